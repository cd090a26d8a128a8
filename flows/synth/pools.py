"""Pre-written fact and evidence sentences per cause, so a document is assembled by slicing and
joining instead of formatting every sentence.

Sentences are stored as JSON-escaped UTF-8 (the inside of a JSON string), so a document's facts
go into its JSONL line without being decoded, escaped or encoded again. Each cause has a few
dozen casts: the defendant or claimant and three other parties, written into the episodes once
per process; a document takes one cast's names for its parties. What is left to fill in per
document is the place (%(p)s) and, in some causes, a later date (%(t2)s): one ``bytes %`` over
the whole block. Episodes all start with their own date, so they are stored without it and
prefixed when used. Evidence items are complete. Pools and casts are built from fixed random
streams, so every process builds the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from operator import add
from random import Random

import orjson

from flows.synth.catalog import PLACES, Cause
from flows.synth.names import anonymised, party_name, pick
from flows.synth.numerals import amount

POOL_SIZE = 97  # prime, so slices starting anywhere rarely line up with template cycles
TIMES = ("8时", "10时", "13时", "14时", "16时", "19时", "20时", "21时", "22时", "23时", "凌晨1时", "凌晨3时")

# Evidence items name only witnesses (baked in), so an evidence block needs no filling in.
CRIMINAL_EVIDENCE = (
    "受案登记表、立案决定书，证实本案的案发及立案侦查经过。",
    "抓获经过，证实被告人系经公安机关电话传唤到案。",
    "证人{w}的证言，证实其目睹了案发经过，所述与被告人的供述相互印证。",
    "被害人的陈述，证实其被侵害的经过及损失情况。",
    "现场勘验笔录及现场照片，证实案发现场情况与被告人的供述一致。",
    "辨认笔录，证实经证人{w}辨认，确认被告人即为作案人。",
    "户籍证明，证实被告人的身份情况，其作案时已达到完全刑事责任年龄。",
    "调取证据通知书及相关书证，证实案发前后被告人的活动情况。",
    "被告人的供述与辩解，证实其对上述犯罪事实供认不讳，所述作案时间、地点与证人{w}的证言相符。",
    "证人{w}的证言，证实被告人案发后曾向其讲述事情经过。",
    "扣押决定书、扣押清单，证实公安机关依法扣押了涉案物品。",
)
CIVIL_EVIDENCE = (
    "{doc}，证明原、被告之间的法律关系及相关往来情况。",
    "证人{w}的证言，证明双方曾协商解决但未果。",
    "{doc}，证明被告至今未履行相应义务。",
    "{doc}，证明双方在纠纷发生前后的往来情况。",
)
DOCUMENTS = ("借条", "银行转账记录", "微信聊天记录", "收据", "合同", "情况说明", "录音资料", "送货单", "催款通知")


OTHER_FIELDS = ("{v0}", "{v1}", "{v2}")
CASTS = 32  # casts per cause: their episodes are written on first use, about 0.2 ms each
CHUNK_ITEMS = 64  # numbered evidence is cached in chunks of this many items


@dataclass(frozen=True, slots=True)
class Cast:
    """Who a document's facts are about: the defendant or claimant, three others, and the pool's
    episodes with their names written in (``bytes %`` templates with %(p)s and %(t2)s left)."""

    who: str
    others: tuple[str, str, str]
    episodes: tuple[bytes, ...]


class Pool:
    """A cause's sentences: episode templates ({d}, {v0}–{v2}, {p}, {t2} still open), casts built
    from them on first use, and JSON-escaped evidence items with numbered blocks cached."""

    __slots__ = ("_casts", "_chunks", "cause", "episode_chars", "evidence", "evidence_chars", "templates")

    def __init__(self, cause: Cause, templates: list[str], evidence: list[str]) -> None:
        self.cause = cause
        self.templates = [template.replace("%", "%%") for template in templates]  # see _written
        self.evidence = tuple(map(escaped, evidence))
        self.episode_chars = sum(map(len, templates)) / len(templates) + 8  # + the date, + names for fields
        self.evidence_chars = sum(map(len, evidence)) / len(evidence) + 4  # + the number
        self._casts: list[Cast] = []
        self._chunks: dict[tuple[int, int], tuple[bytes, list[int]]] = {}

    def cast(self, index: int) -> Cast:
        """Cast ``index`` (0 … CASTS - 1): the names are drawn for all casts at once, the episodes
        written on a cast's first use."""
        if not self._casts:
            rng = Random(f"wenshu-synth/casts/{self.cause.name}")
            full_share = 0.3 if self.cause.name.endswith("罪") else 0.0  # some defendants keep their full names
            for _ in range(CASTS):
                used: set[str] = set()
                who = party_name(rng, used, full_share)
                if self.cause.name.endswith("罪"):  # victims
                    others = (anonymised(rng, used), anonymised(rng, used), anonymised(rng, used))
                else:  # the other side of a civil case: the defendant, in every episode
                    others = (anonymised(rng, used),) * 3
                self._casts.append(Cast(who, others, ()))
        cast = self._casts[index]
        if not cast.episodes:
            cast = self._casts[index] = Cast(cast.who, cast.others, self._written(cast.who, cast.others))
        return cast

    def _written(self, who: str, others: tuple[str, str, str]) -> tuple[bytes, ...]:
        # the documents fill in %(p)s and %(t2)s with ``bytes %``: a literal % (月利率1.5%) is doubled
        names = {"d": who, "v0": others[0], "v1": others[1], "v2": others[2], "p": "%(p)s", "t2": "%(t2)s"}
        return tuple(escaped(template.format_map(names)) for template in self.templates)

    def numbered_evidence(self, start: int, count: int) -> bytes:
        """``count`` evidence items from ``start`` on (wrapping around), numbered from 1, one a line.

        Built from cached chunks (items 1–64, 65–128, …, for each start), cut at an item's end.
        """
        whole, rest = divmod(max(count, 0), CHUNK_ITEMS)
        blocks = [self._chunk(start, chunk)[0] for chunk in range(whole)]
        if rest:
            block, ends = self._chunk(start, whole)
            blocks.append(block[: ends[rest - 1]])
        return b"\\n".join(blocks)

    def _chunk(self, start: int, chunk: int) -> tuple[bytes, list[int]]:
        """Items ``chunk`` × CHUNK_ITEMS + 1 … + CHUNK_ITEMS after ``start``, and where each ends."""
        key = (start, chunk)
        if key not in self._chunks:
            first = chunk * CHUNK_ITEMS
            items = cycle_slice(self.evidence, (start + first) % POOL_SIZE, CHUNK_ITEMS)
            lines = list(map(add, numbers(first + CHUNK_ITEMS)[first:], items))
            ends = [end - 2 for end in accumulate(len(line) + 2 for line in lines)]  # + the escaped line break
            self._chunks[key] = (b"\\n".join(lines), ends)
        return self._chunks[key]


_POOLS: dict[str, Pool] = {}


def _slots(rng: Random, cause: Cause, used: set[str]) -> dict[str, object]:
    slots: dict[str, object] = {
        "date": "",
        "date2": "{t2}",
        "time": pick(rng, TIMES),
        "d": "{d}",
        "v": pick(rng, OTHER_FIELDS),
        "place": "{p}" + pick(rng, PLACES),
        "amount": amount(rng, 800, 60000),
        "bac": 80 + int(rng.random() * 180),
        "grams": f"{0.2 + rng.random() * 30:.2f}",
        "price": amount(rng, 8000, 80000),
        "age": 16 + int(rng.random() * 25),
        "years": 1 + int(rng.random() * 15),
        "n": 5 + int(rng.random() * 200),
        "rate": f"{1 + rng.random() * 1.5:.1f}",
        "days": 3 + int(rng.random() * 40),
        "w": anonymised(rng, used),
        "doc": pick(rng, DOCUMENTS),
    }
    for slot, options in cause.choices.items():
        slots[slot] = pick(rng, options)
    return slots


def pool(cause: Cause) -> Pool:
    """The cause's pool, built on first use in each process."""
    if cause.name not in _POOLS:
        _POOLS[cause.name] = _build(cause)
    return _POOLS[cause.name]


def _build(cause: Cause) -> Pool:
    rng = Random(f"wenshu-synth/pool/{cause.name}")
    used: set[str] = set()
    episodes = [cause.episodes[i % len(cause.episodes)].format(**_slots(rng, cause, used)) for i in range(POOL_SIZE)]
    if cause.serial:  # two acts a day: half as many dated episodes to put together per document
        episodes = [
            first + cause.episodes[(i + 1) % len(cause.episodes)].format(**{**_slots(rng, cause, used), "date": "同日"})
            for i, first in enumerate(episodes)
        ]
    templates = CRIMINAL_EVIDENCE if cause.name.endswith("罪") else CIVIL_EVIDENCE
    evidence = [templates[i % len(templates)].format(**_slots(rng, cause, used)) for i in range(POOL_SIZE)]
    return Pool(cause, episodes, evidence)


def escaped(text: str) -> bytes:
    """``text`` as the inside of a JSON string, in UTF-8."""
    return orjson.dumps(text)[1:-1]


_NUMBERS: list[bytes] = []


def numbers(count: int) -> list[bytes]:
    """Item numbers b"1." … b"{count}."."""
    while len(_NUMBERS) < count:
        _NUMBERS.append(b"%d." % (len(_NUMBERS) + 1))
    return _NUMBERS[:count]


def cycle_slice(items: tuple[bytes, ...], start: int, count: int) -> tuple[bytes, ...]:
    """``count`` items from ``start`` on, wrapping around."""
    laps = (start + count) // len(items) + 1
    return (items * laps)[start : start + count] if laps > 1 else items[start : start + count]
