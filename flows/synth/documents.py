"""One synthetic judgment record in our JSONL contract, plus what the monitor needs to know of it."""

from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass
from datetime import date
from hashlib import blake2b
from itertools import accumulate
from math import exp, log
from random import Random
from typing import Any

import orjson

from flows.synth import civil, criminal
from flows.synth.case_numbers import case_number, sequence_for
from flows.synth.catalog import CIVIL, CRIMES, Cause
from flows.synth.common import Draft
from flows.synth.courts import Reference
from flows.synth.numerals import DAYS, FIRST_DAY, ISO, ISO_BYTES, year_of
from flows.synth.tables import normal

JUDGMENT_SCHEMA = "wenshu.judgment/1"
YEAR_WEIGHTS = {
    2010: 1,
    2011: 2,
    2012: 3,
    2013: 6,
    2014: 10,
    2015: 12,
    2016: 14,
    2017: 16,
    2018: 17,
    2019: 18,
    2020: 20,
    2021: 14,
    2022: 9,
    2023: 7,
    2024: 6,
    2025: 5,
}
CRIMINAL_SHARE = 0.45
APPEAL_SHARE = {"刑": 0.12, "民": 0.15}
CJO_LAUNCH = date(2013, 7, 1)
HORIZON = date(2026, 6, 30)  # nothing synthetic happens later: runs ingest it as the past
SOURCE_URL = "https://wenshu.court.gov.cn/website/wenshu/181107ANFZ0BXSK4/index.html?docId="
TEXT_SIGMA = 0.8  # log-normal spread of text length: median × 33 at about 1 in 200,000
LENGTH_CALIBRATION = 1.26  # fixed parts (headers, closing) leave the facts less than the target

_YEARS = tuple(YEAR_WEIGHTS)
_YEAR_CUM = tuple(accumulate(YEAR_WEIGHTS.values()))
_CAUSE_CUM = {kind: tuple(accumulate(c.weight for c in causes)) for kind, causes in (("刑", CRIMES), ("民", CIVIL))}
_CAUSES = {"刑": CRIMES, "民": CIVIL}
CJO_LAUNCH_DAY = CJO_LAUNCH.toordinal()
HORIZON_DAY = HORIZON.toordinal()
LAST_PUBLISHED_DAY = HORIZON_DAY - 60
SOURCE_PREFIX = b'","source_url":"' + SOURCE_URL.encode()


@dataclass(slots=True)
class Judged:
    """What the monitor needs about a generated judgment."""

    doc_id: str
    cause: Cause
    province_abbr: str
    captured_day: int  # date.toordinal() of the capture


def doc_id(seed: int, index: int) -> str:
    """32 lowercase hex characters like CJO's ids; unique per (seed, index)."""
    return blake2b(b"wenshu-synth/%d/%d" % (seed, index), digest_size=16).hexdigest()


def _weighted(rng: Random, items: tuple[Any, ...], cumulative: tuple[float, ...]) -> Any:
    return items[min(bisect(cumulative, rng.random() * cumulative[-1]), len(items) - 1)]


_YEAR_STARTS = {year: date(year, 1, 1).toordinal() for year in YEAR_WEIGHTS}


def _judgment_date(rng: Random) -> date:
    year = _weighted(rng, _YEARS, _YEAR_CUM)
    return DAYS[_YEAR_STARTS[year] - FIRST_DAY + int(rng.random() * (365 if year % 4 else 366))]


def _publish_day(rng: Random, judged: int) -> int:
    published = judged + 3 + int(exp(3.2 + 0.9 * normal(rng)))
    if published < CJO_LAUNCH_DAY:  # backfilled after CJO went online
        published = CJO_LAUNCH_DAY + int(rng.random() * 900)
    return min(published, LAST_PUBLISHED_DAY)


# "T08:05:09Z" for every second of a day, so a timestamp is two table look-ups.
TIMES = tuple(b"T%02d:%02d:%02dZ" % (second // 3600, second // 60 % 60, second % 60) for second in range(86400))
LINE_END = b'"}\n'


def stamp(day: int, rng: Random) -> bytes:
    """A capture or check time on ``day`` (an ordinal): b"2016-12-20T08:05:09Z"."""
    return ISO_BYTES[day - FIRST_DAY] + TIMES[int(rng.random() * 86400)]


def judgment_line(rng: Random, ref: Reference, seed: int, index: int, median_chars: int) -> tuple[bytes, Judged]:
    """(the record's JSONL line up to its capture time, what the monitor needs): append
    ``stamp(judged.captured_day, rng) + LINE_END`` to get the line.

    The text goes in already escaped (see :meth:`Draft.escaped`); orjson writes the small fields
    around it, in the contract's order.
    """
    random = rng.random
    kind = "刑" if random() < CRIMINAL_SHARE else "民"
    judged = _judgment_date(rng)
    cause = _weighted(rng, _CAUSES[kind], _CAUSE_CUM[kind])
    if cause.since > judged.year:
        cause = _CAUSES[kind][0]
    target = int(min(exp(rng.gauss(log(median_chars * LENGTH_CALIBRATION), TEXT_SIGMA)), 40 * median_chars))  # log-normal
    appeal = random() < APPEAL_SHARE[kind]
    if appeal:
        lower, court = ref.appeals[int(random() * len(ref.appeals))]
    else:
        court = ref.basic[int(random() * len(ref.basic))]
    type_code = kind + ("终" if appeal else "初")
    draft = Draft(rng, court, cause, judged, target, scene=lower.place if appeal else "")
    case_year = year_of(draft.day - int(random() * 150))
    number = case_number(rng, court, case_year, type_code, sequence_for(rng, court, type_code))
    module = criminal if kind == "刑" else civil
    if appeal:
        lower_year = case_year - (1 if random() < 0.4 else 0)
        lower_number = case_number(rng, lower, lower_year, kind + "初", sequence_for(rng, lower, kind + "初"))
        written = module.appeal(draft, number, lower, lower_number)
    else:
        written = module.first_instance(draft, number)
    case_type = ref.case_types[type_code]
    published = _publish_day(rng, draft.day)
    captured = min(published + int(random() * 60), HORIZON_DAY)
    identifier = doc_id(seed, index)
    head = orjson.dumps(
        {
            "schema": JUDGMENT_SCHEMA,
            "doc_id": identifier,
            "case_number": number,
            "title": written.title,
            "court_name": court.name,
            "case_type": case_type.case_type,
            "procedure": case_type.procedure,
            "cause": cause.name,
            "document_type": written.document_type,
            "judgment_date": ISO[draft.day - FIRST_DAY],
            "publish_date": ISO[published - FIRST_DAY],
            "parties": written.parties,
            "legal_basis": written.legal_basis,
        }
    )
    source = SOURCE_PREFIX + identifier.encode() + b'"' if random() < 0.9 else b'","source_url":null'
    body = b"".join((head[:-1], b',"text":"', draft.escaped(), source, b',"captured_at":"'))
    return body, Judged(identifier, cause, court.province_abbr, captured)


def make_judgment(rng: Random, ref: Reference, seed: int, index: int, median_chars: int) -> tuple[dict[str, Any], Judged]:
    """One judgment record as a dict (tests and one-off use; the generator writes :func:`judgment_line`)."""
    body, judged = judgment_line(rng, ref, seed, index, median_chars)
    return orjson.loads(body + stamp(judged.captured_day, rng) + LINE_END), judged


def recapture(rng: Random, captured: int) -> int:
    """The day the same document is captured again (the raw layer keeps both; dbt merges them)."""
    return min(captured + 30 + int(rng.random() * 700), HORIZON_DAY)
