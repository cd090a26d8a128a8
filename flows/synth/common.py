"""Pieces every synthetic document shares: the draft it fills, facts and evidence, the closing block."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import add
from random import Random

from flows.synth.catalog import Cause
from flows.synth.courts import Court
from flows.synth.names import full_name
from flows.synth.numerals import cn_date, ymd_ordinal
from flows.synth.pools import POOL_SIZE, cycle_slice, numbers, pool

EVIDENCE = (
    "受案登记表",
    "立案决定书",
    "抓获经过",
    "户籍证明",
    "被害人陈述",
    "证人证言",
    "辨认笔录",
    "现场勘验笔录",
    "扣押决定书及扣押清单",
    "价格认定结论书",
    "鉴定意见",
    "视听资料",
    "银行交易明细",
    "被告人的供述与辩解",
)


@dataclass
class Draft:
    """One document while it is being written; ``scene`` is where its events happened."""

    rng: Random
    court: Court
    cause: Cause
    judgment_date: date
    target_chars: int
    scene: str = ""
    used_names: set[str] = field(default_factory=set)
    paragraphs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scene = self.scene or self.court.place

    def add(self, *paragraphs: str) -> None:
        self.paragraphs.extend(paragraphs)

    @property
    def chars(self) -> int:
        return sum(map(len, self.paragraphs)) + len(self.paragraphs)

    def days_before(self, low: int, high: int, anchor: date | None = None) -> date:
        return (anchor or self.judgment_date) - timedelta(days=low + int(self.rng.random() * (high - low + 1)))

    def text(self) -> str:
        return "\n".join(self.paragraphs)


def facts(draft: Draft, who: str, others: list[str], budget: int, earliest: date, latest: date) -> tuple[str, str]:
    """(episodes in date order, numbered evidence items), each one block of lines, of about
    ``budget`` characters together.

    Serial causes (thefts, loans) repeat episodes for up to 60% of the budget; evidence fills the
    rest. Sentences are sliced from the cause's pool; the episodes' fields are filled in one pass.
    """
    random, sentences = draft.rng.random, pool(draft.cause)
    count = max(1, int(budget * 0.6 / sentences.episode_chars)) if draft.cause.serial else 1
    first, span = earliest.toordinal(), max(1, (latest - earliest).days)
    dates = list(map(ymd_ordinal, sorted([first + int(random() * span) for _ in range(count)])))
    episodes = "\n".join(map(add, dates, cycle_slice(sentences.episodes, int(random() * POOL_SIZE), count)))
    items = max(0, int((budget - len(episodes)) / sentences.evidence_chars))
    evidence = "\n".join(map(add, numbers(items), cycle_slice(sentences.evidence, int(random() * POOL_SIZE), items)))
    v0, v1, v2 = (others * 3)[:3]
    values = {
        "d": who,
        "p": draft.scene,
        "v0": v0,
        "v1": v1,
        "v2": v2,
        "t2": ymd_ordinal(first + span - int(random() * span / 2)),
    }
    return episodes.format_map(values), evidence


def evidence(rng: Random) -> str:
    """A one-line list of evidence kinds."""
    count = 5 + int(rng.random() * 6)
    start = int(rng.random() * len(EVIDENCE))
    return "、".join(EVIDENCE[(start + i) % len(EVIDENCE)] for i in range(count))


def closing(draft: Draft, panel: bool) -> None:
    """Judges, the dated line in Chinese numerals, and the clerk."""
    rng = draft.rng
    if panel:
        third = "人民陪审员" if rng.random() < 0.6 else "审判员"
        draft.add(f"审判长　{full_name(rng)}", f"审判员　{full_name(rng)}", f"{third}　{full_name(rng)}")
    else:
        draft.add(f"审判员　{full_name(rng)}")
    draft.add(cn_date(draft.judgment_date))
    if rng.random() < 0.5:
        draft.add("本件与原本核对无异")
    if draft.judgment_date.year >= 2017 and rng.random() < 0.4:
        draft.add(f"法官助理　{full_name(rng)}")
    draft.add(f"书记员　{full_name(rng)}")
