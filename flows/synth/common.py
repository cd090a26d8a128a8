"""Pieces every synthetic document shares: the draft it fills, facts and evidence, the closing block."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random

from flows.synth.catalog import PLACES, Cause
from flows.synth.courts import Court
from flows.synth.names import anonymised, full_name, pick
from flows.synth.numerals import cn_date, ymd

TIMES = ("8时", "10时", "13时", "14时", "16时", "19时", "20时", "21时", "22时", "23时", "凌晨1时", "凌晨3时")
EVIDENCE = ("受案登记表", "立案决定书", "抓获经过", "户籍证明", "被害人陈述", "证人证言", "辨认笔录", "现场勘验笔录",
            "扣押决定书及扣押清单", "价格认定结论书", "鉴定意见", "视听资料", "银行交易明细", "被告人的供述与辩解")
CRIMINAL_EVIDENCE = (
    "受案登记表、立案决定书，证实本案于{date}案发并立案侦查的经过。",
    "抓获经过，证实被告人{d}于{date}在{place}被公安机关抓获归案。",
    "证人{w}的证言，证实其于{date}在{place}目睹了案发经过，所述与被告人{d}的供述相互印证。",
    "被害人{v}的陈述，证实其于{date}在{place}被侵害的经过及损失情况。",
    "现场勘验笔录及现场照片，证实案发现场位于{place}，现场情况与被告人{d}的供述一致。",
    "辨认笔录，证实经证人{w}辨认，确认被告人{d}即为作案人。",
    "户籍证明，证实被告人{d}的身份情况，其作案时已达到完全刑事责任年龄。",
    "调取证据通知书及相关书证，证实{date}前后被告人{d}的活动情况。",
    "被告人{d}的供述与辩解，证实其对上述犯罪事实供认不讳，所述作案时间、地点与证人{w}的证言相符。",
)
CIVIL_EVIDENCE = (
    "{doc}，证明{d}与{v}之间的法律关系及{date}前后的往来情况。",
    "证人{w}的证言，证明{date}双方在{place}协商的经过。",
    "{doc}，证明{v}至今未履行相应义务。",
)
DOCUMENTS = ("借条", "银行转账记录", "微信聊天记录", "收据", "合同", "情况说明", "录音资料", "送货单", "催款通知")


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
    chars: int = 0

    def __post_init__(self) -> None:
        self.scene = self.scene or self.court.place

    def add(self, *paragraphs: str) -> None:
        for paragraph in paragraphs:
            self.paragraphs.append(paragraph)
            self.chars += len(paragraph) + 1

    def days_before(self, low: int, high: int, anchor: date | None = None) -> date:
        return (anchor or self.judgment_date) - timedelta(days=low + int(self.rng.random() * (high - low + 1)))

    def text(self) -> str:
        return "\n".join(self.paragraphs)


def amount(rng: Random, low: int, high: int) -> int:
    """A money amount with realistic rounding (1,980 / 25,000)."""
    value = low + int(rng.random() * (high - low))
    return value if rng.random() < 0.3 else max(low, value // 100 * 100)


def _day(rng: Random, earliest: date, latest: date) -> date:
    return earliest + timedelta(days=int(rng.random() * max(1, (latest - earliest).days)))


def _slots(draft: Draft, who: str, other: str, day: date, latest: date) -> dict[str, object]:
    rng = draft.rng
    slots: dict[str, object] = {
        "date": ymd(day), "date2": ymd(day + timedelta(days=int(rng.random() * max(0, (latest - day).days)))),
        "time": pick(rng, TIMES), "d": who, "v": other, "place": draft.scene + pick(rng, PLACES),
        "amount": amount(rng, 800, 60000), "bac": 80 + int(rng.random() * 180),
        "grams": f"{0.2 + rng.random() * 30:.2f}", "price": amount(rng, 8000, 80000),
        "age": 16 + int(rng.random() * 25), "years": 1 + int(rng.random() * 15), "n": 5 + int(rng.random() * 200),
        "rate": f"{1 + rng.random() * 1.5:.1f}", "days": 3 + int(rng.random() * 40),
    }
    for slot, options in draft.cause.choices.items():
        slots[slot] = pick(rng, options)
    return slots


def facts(draft: Draft, who: str, others: list[str], budget: int, earliest: date, latest: date) -> tuple[list[str], list[str]]:
    """(episodes in date order, numbered evidence items) of about ``budget`` characters together.

    Serial causes (thefts, loans) repeat episodes for up to 60% of the budget; evidence fills the rest.
    """
    rng, cause = draft.rng, draft.cause
    dated: list[tuple[date, str]] = []
    used, episode_budget = 0, budget * 0.6 if cause.serial else 0
    while not dated or used < episode_budget:
        day = _day(rng, earliest, latest)
        text = pick(rng, cause.episodes).format(**_slots(draft, who, others[len(dated) % len(others)], day, latest))
        dated.append((day, text))
        used += len(text) + 1
    dated.sort(key=lambda item: item[0])
    templates = CRIMINAL_EVIDENCE if cause.name.endswith("罪") else CIVIL_EVIDENCE
    items: list[str] = []
    while used < budget:
        slots = _slots(draft, who, others[0], _day(rng, earliest, latest), latest)
        slots["w"] = anonymised(rng, draft.used_names)
        slots["doc"] = pick(rng, DOCUMENTS)
        text = f"{len(items) + 1}.{pick(rng, templates).format(**slots)}"
        items.append(text)
        used += len(text) + 1
    return [text for _, text in dated], items


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
