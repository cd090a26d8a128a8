"""Pre-written fact and evidence sentences per cause, so a document is assembled by slicing and
joining instead of formatting every sentence.

Episodes keep ``str.format`` fields that each document fills in one pass: {d} the defendant or
claimant, {v0}–{v2} other parties, {p} the place, {t2} a later date. They all start with their
own date ({date}), so they are stored without it and prefixed when used. Evidence items are complete.
Pools are built from fixed random streams, so every process builds the same pools.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from flows.synth.catalog import PLACES, Cause
from flows.synth.names import anonymised, pick
from flows.synth.numerals import amount

POOL_SIZE = 97  # prime, so slices starting anywhere rarely line up with template cycles
OTHERS = ("{v0}", "{v1}", "{v2}")
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


@dataclass(frozen=True)
class Pool:
    episodes: tuple[str, ...]
    evidence: tuple[str, ...]
    episode_chars: float  # mean length, to size a document from a character budget
    evidence_chars: float


_POOLS: dict[str, Pool] = {}


def _slots(rng: Random, cause: Cause, used: set[str]) -> dict[str, object]:
    slots: dict[str, object] = {
        "date": "",
        "date2": "{t2}",
        "time": pick(rng, TIMES),
        "d": "{d}",
        "v": pick(rng, OTHERS),
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
    episodes = tuple(cause.episodes[i % len(cause.episodes)].format(**_slots(rng, cause, used)) for i in range(POOL_SIZE))
    templates = CRIMINAL_EVIDENCE if cause.name.endswith("罪") else CIVIL_EVIDENCE
    evidence = tuple(templates[i % len(templates)].format(**_slots(rng, cause, used)) for i in range(POOL_SIZE))
    return Pool(
        episodes=episodes,
        evidence=evidence,
        episode_chars=sum(map(len, episodes)) / POOL_SIZE,
        evidence_chars=sum(map(len, evidence)) / POOL_SIZE + 4,
    )


_NUMBERS: list[str] = []


def numbers(count: int) -> list[str]:
    """Item numbers "1." … f"{count}."."""
    while len(_NUMBERS) < count:
        _NUMBERS.append(f"{len(_NUMBERS) + 1}.")
    return _NUMBERS[:count]


def cycle_slice(items: tuple[str, ...], start: int, count: int) -> tuple[str, ...]:
    """``count`` items from ``start`` on, wrapping around."""
    laps = (start + count) // len(items) + 1
    return (items * laps)[start : start + count] if laps > 1 else items[start : start + count]
