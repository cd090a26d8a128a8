"""Availability observations: a few checks per judgment over months, with removal waves.

Takedowns come in waves (the largest in spring 2021) and concentrate on some causes (each
cause's ``removal`` factor) and provinces; some removed documents reappear later. Removed
documents sometimes carry a CJO 不公开理由 code as the reason (01 state secrets, 02 juvenile
offenders, 05 divorce or child custody, 06 other cases the court deems unfit for publication).
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import Any

from flows.synth.documents import HORIZON, Judged, stamp

OBSERVATION_SCHEMA = "wenshu.observation/1"
MONITOR_START = date(2020, 1, 1)
BASE_REMOVAL = {True: 0.06, False: 0.03}  # criminal, civil
PROVINCE_REMOVAL = {"新": 3.0, "藏": 3.0, "京": 1.5, "内": 1.5, "沪": 0.6, "浙": 0.6, "粤": 0.8}
WAVES = (  # (first day, days, weight)
    (date(2020, 7, 1), 183, 0.10),
    (date(2021, 3, 1), 121, 0.45),
    (date(2022, 1, 1), 180, 0.25),
    (date(2023, 6, 1), 579, 0.20),
)
REAPPEAR_SHARE = 0.12
ERROR_SHARE = 0.015
ERROR_HTTP: tuple[int | None, ...] = (500, 502, 503, None)  # None: the request timed out


def _removal(rng: Random, judged: Judged) -> date | None:
    criminal = judged.cause.name.endswith("罪")
    chance = BASE_REMOVAL[criminal] * judged.cause.removal * PROVINCE_REMOVAL.get(judged.province_abbr, 1.0)
    if rng.random() >= min(chance, 0.95):
        return None
    roll, start, days = rng.random(), WAVES[-1][0], WAVES[-1][1]
    for first, span, weight in WAVES:
        if roll < weight:
            start, days = first, span
            break
        roll -= weight
    removed = start + timedelta(days=int(rng.random() * days))
    if removed <= judged.captured_at:
        removed = judged.captured_at + timedelta(days=30 + int(rng.random() * 335))
    return removed if removed < HORIZON else None


def _observation(rng: Random, judged: Judged, day: date, gone: bool) -> dict[str, Any]:
    status, reason = "available", None
    http: int | None = 200
    if rng.random() < ERROR_SHARE:
        status, http = "error", ERROR_HTTP[int(rng.random() * len(ERROR_HTTP))]
        reason = "timeout" if http is None else f"HTTP {http}"
    elif gone and rng.random() < 0.75:
        status = "removed"
        if rng.random() < 0.5:
            reason = judged.cause.reasons[int(rng.random() * len(judged.cause.reasons))]
    elif gone:
        status, http = "not_found", 404
    return {
        "schema": OBSERVATION_SCHEMA,
        "doc_id": judged.doc_id,
        "checked_at": stamp(day, rng),
        "status": status,
        "http_status": http,
        "reason": reason,
    }


def observations(rng: Random, judged: Judged) -> list[dict[str, Any]]:
    """One to four checks between capture (or the monitor's start) and the horizon, in time order."""
    first = max(judged.captured_at + timedelta(days=1), MONITOR_START)
    span = (HORIZON - first).days
    if span <= 0:
        return []
    days = {first + timedelta(days=int(rng.random() * span)) for _ in range(1 + int(rng.random() * 4))}
    removed = _removal(rng, judged)
    back = None
    if removed is not None:
        days.add(min(removed + timedelta(days=1 + int(rng.random() * 60)), HORIZON))
        if rng.random() < REAPPEAR_SHARE:
            back = removed + timedelta(days=30 + int(rng.random() * 470))
            if back < HORIZON:
                days.add(min(back + timedelta(days=1 + int(rng.random() * 30)), HORIZON))
            else:
                back = None
    return [
        _observation(rng, judged, day, removed is not None and day >= removed and (back is None or day < back))
        for day in sorted(days)
    ]
