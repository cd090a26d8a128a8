"""One synthetic judgment record in our JSONL contract, plus what the monitor needs to know of it."""

from __future__ import annotations

import hashlib
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from math import log
from random import Random
from typing import Any

from flows.synth import civil, criminal
from flows.synth.case_numbers import case_number, sequence_for
from flows.synth.catalog import CIVIL, CRIMES, Cause
from flows.synth.common import Draft
from flows.synth.courts import Reference

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


@dataclass(frozen=True)
class Judged:
    """What the monitor needs about a generated judgment."""

    doc_id: str
    cause: Cause
    province_abbr: str
    captured_at: date


def doc_id(seed: int, index: int) -> str:
    """32 lowercase hex characters like CJO's ids; unique per (seed, index)."""
    return hashlib.blake2b(f"wenshu-synth/{seed}/{index}".encode(), digest_size=16).hexdigest()


def _weighted(rng: Random, items: tuple[Any, ...], cumulative: tuple[float, ...]) -> Any:
    return items[min(bisect(cumulative, rng.random() * cumulative[-1]), len(items) - 1)]


def _judgment_date(rng: Random) -> date:
    year = _weighted(rng, _YEARS, _YEAR_CUM)
    start = date(year, 1, 1)
    return start + timedelta(days=int(rng.random() * (365 if year % 4 else 366)))


def _publish_date(rng: Random, judged: date) -> date:
    published = judged + timedelta(days=3 + int(rng.lognormvariate(3.2, 0.9)))
    if published < CJO_LAUNCH:  # backfilled after CJO went online
        published = CJO_LAUNCH + timedelta(days=int(rng.random() * 900))
    return min(published, HORIZON - timedelta(days=60))


def stamp(day: date, rng: Random) -> str:
    second = int(rng.random() * 86400)
    return f"{day.isoformat()}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"


def make_judgment(rng: Random, ref: Reference, seed: int, index: int, median_chars: int) -> tuple[dict[str, Any], Judged]:
    kind = "刑" if rng.random() < CRIMINAL_SHARE else "民"
    judged = _judgment_date(rng)
    cause = _weighted(rng, _CAUSES[kind], _CAUSE_CUM[kind])
    if cause.since > judged.year:
        cause = _CAUSES[kind][0]
    target = int(min(rng.lognormvariate(log(median_chars * LENGTH_CALIBRATION), TEXT_SIGMA), 40 * median_chars))
    appeal = rng.random() < APPEAL_SHARE[kind]
    if appeal:
        lower, court = ref.appeals[int(rng.random() * len(ref.appeals))]
    else:
        court = ref.basic[int(rng.random() * len(ref.basic))]
    type_code = kind + ("终" if appeal else "初")
    draft = Draft(rng, court, cause, judged, target, scene=lower.place if appeal else "")
    case_year = (judged - timedelta(days=int(rng.random() * 150))).year
    number = case_number(rng, court, case_year, type_code, sequence_for(rng, court, type_code))
    module = criminal if kind == "刑" else civil
    if appeal:
        lower_year = case_year - (1 if rng.random() < 0.4 else 0)
        lower_number = case_number(rng, lower, lower_year, kind + "初", sequence_for(rng, lower, kind + "初"))
        written = module.appeal(draft, number, lower, lower_number)
    else:
        written = module.first_instance(draft, number)
    case_type = ref.case_types[type_code]
    published = _publish_date(rng, judged)
    captured = min(published + timedelta(days=int(rng.random() * 60)), HORIZON)
    identifier = doc_id(seed, index)
    record = {
        "schema": JUDGMENT_SCHEMA,
        "doc_id": identifier,
        "case_number": number,
        "title": written.title,
        "court_name": court.name,
        "case_type": case_type.case_type,
        "procedure": case_type.procedure,
        "cause": cause.name,
        "document_type": written.document_type,
        "judgment_date": judged.isoformat(),
        "publish_date": published.isoformat(),
        "parties": written.parties,
        "legal_basis": written.legal_basis,
        "text": draft.text(),
        "source_url": SOURCE_URL + identifier if rng.random() < 0.9 else None,
        "captured_at": stamp(captured, rng),
    }
    return record, Judged(identifier, cause, court.province_abbr, captured)


def recapture(rng: Random, record: dict[str, Any]) -> dict[str, Any]:
    """The same document captured again later (the raw layer keeps both; dbt merges them)."""
    captured = date.fromisoformat(record["captured_at"][:10]) + timedelta(days=30 + int(rng.random() * 700))
    return {**record, "captured_at": stamp(min(captured, HORIZON), rng)}
