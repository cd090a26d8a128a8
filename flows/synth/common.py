"""Pieces every synthetic document shares: the draft it fills, facts and evidence, the closing block."""

from __future__ import annotations

from datetime import date
from operator import add
from random import Random

from flows.synth.catalog import Cause
from flows.synth.courts import Court
from flows.synth.names import FULL_NAMES
from flows.synth.numerals import FIRST_DAY, YMD_BYTES, cn_date
from flows.synth.pools import CASTS, POOL_SIZE, Cast, cycle_slice, escaped, pool
from flows.synth.tables import days_between

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


class Draft:
    """One document while it is being written; ``scene`` is where its events happened.

    Days are ordinals (``date.toordinal()``): cheap to shift, and looked up in tables to print.
    Paragraphs are JSON-escaped UTF-8 (the inside of a JSON string): constant text is escaped once
    in templates (:func:`template`), names and places once per process (:func:`recurring`), and the
    facts come from the pools that way, so a document's text is never encoded as a whole.
    """

    __slots__ = ("cause", "court", "day", "judgment_date", "paragraphs", "rng", "scene", "target_chars", "used_names", "year")

    def __init__(self, rng: Random, court: Court, cause: Cause, judgment_date: date, target_chars: int, scene: str = "") -> None:
        self.rng = rng
        self.court = court
        self.cause = cause
        self.judgment_date = judgment_date
        self.day = judgment_date.toordinal()
        self.year = judgment_date.year
        self.target_chars = target_chars
        self.scene = scene or court.place
        self.used_names: set[str] = set()
        self.paragraphs: list[bytes] = []

    def add(self, *paragraphs: bytes) -> None:
        self.paragraphs += paragraphs

    @property
    def chars(self) -> int:
        """About the characters so far, line breaks included (most are Chinese: 3 bytes each)."""
        return sum(map(len, self.paragraphs)) // 3 + len(self.paragraphs)

    def days_before(self, low: int, high: int, anchor: int = 0) -> int:
        """A day (ordinal) ``low`` to ``high`` days before ``anchor`` (default: the judgment)."""
        return (anchor or self.day) - low - int(self.rng.random() * (high - low + 1))

    def escaped(self) -> bytes:
        """The whole text as the inside of a JSON string (UTF-8)."""
        return LINE_BREAK.join(self.paragraphs)


LINE_BREAK = b"\\n"  # escaped


def cast_of(draft: Draft) -> Cast:
    """A cast for the document's facts (see :class:`~flows.synth.pools.Cast`); its names are taken."""
    cast = pool(draft.cause).cast(int(draft.rng.random() * CASTS))
    draft.used_names.update((cast.who, *cast.others))
    return cast


def facts(draft: Draft, cast: Cast, budget: int, earliest: int, latest: int) -> tuple[bytes, bytes]:
    """(episodes in date order, numbered evidence items), each an escaped block of lines, of about
    ``budget`` characters together; ``earliest`` and ``latest`` bound the episodes' days.

    Serial causes (thefts, loans) repeat episodes for up to 60% of the budget; evidence fills the
    rest. Episodes are sliced from the cast, their dates walked from a table; the place (and a
    later date) is filled in by one ``bytes %`` over the whole block.
    """
    random, sentences = draft.rng.random, pool(draft.cause)
    count = max(1, int(budget * 0.6 / sentences.episode_chars)) if draft.cause.serial else 1
    first = earliest - FIRST_DAY
    dates = map(YMD_BYTES.__getitem__, days_between(draft.rng, first, latest - FIRST_DAY, count))
    episodes = LINE_BREAK.join(map(add, dates, cycle_slice(cast.episodes, int(random() * POOL_SIZE), count)))
    items = int((budget - count * sentences.episode_chars) / sentences.evidence_chars)
    evidence = sentences.numbered_evidence(int(random() * POOL_SIZE), items)
    later = latest - FIRST_DAY - int(random() * (latest - earliest) / 2)
    return episodes % {b"p": recurring(draft.scene), b"t2": YMD_BYTES[later]}, evidence


def template(text: str) -> bytes:
    """A paragraph template, escaped for JSON once: ``template(...) % (fields as escaped bytes)``.

    Writing constant text as escaped UTF-8 up front spares encoding it in every document."""
    return escaped(text)


_RECURRING: dict[str, bytes] = {}


def recurring(text: str) -> bytes:
    """``text`` escaped for JSON, remembered: for names, places and other strings that come back
    (not for one-off strings such as case numbers, or the memory would grow with the run)."""
    found = _RECURRING.get(text)
    if found is None:
        found = _RECURRING[text] = escaped(text)
    return found


COMMA = template("、")
_EVIDENCE_TWICE = tuple(map(template, EVIDENCE * 2))


def evidence(rng: Random) -> bytes:
    """A one-line list of evidence kinds."""
    count = 5 + int(rng.random() * 6)
    start = int(rng.random() * len(EVIDENCE))
    return COMMA.join(_EVIDENCE_TWICE[start : start + count])


# Signature lines for every made-up name: a closing block is a few look-ups.
_SIGNED = {
    role: tuple(template(f"{role}　{name}") for name in FULL_NAMES)
    for role in ("审判长", "审判员", "人民陪审员", "法官助理", "书记员")
}
_CERTIFIED = template("本件与原本核对无异")


def closing(draft: Draft, panel: bool) -> None:
    """Judges, the dated line in Chinese numerals, and the clerk."""
    random, signed, names = draft.rng.random, _SIGNED, len(FULL_NAMES)
    if panel:
        third = "人民陪审员" if random() < 0.6 else "审判员"
        draft.add(
            signed["审判长"][int(random() * names)],
            signed["审判员"][int(random() * names)],
            signed[third][int(random() * names)],
        )
    else:
        draft.add(signed["审判员"][int(random() * names)])
    draft.add(recurring(cn_date(draft.judgment_date)))
    if random() < 0.5:
        draft.add(_CERTIFIED)
    if draft.year >= 2017 and random() < 0.4:
        draft.add(signed["法官助理"][int(random() * names)])
    draft.add(signed["书记员"][int(random() * names)])
