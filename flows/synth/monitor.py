"""Availability observations: a monitor that re-checks every judgment about once a quarter.

Takedowns come in waves (the largest in spring 2021) and concentrate on some causes (each
cause's ``removal`` factor) and provinces; the spring-2021 campaign hits sensitive causes
(寻衅滋事, trafficking, subversion, divorce) hardest. Some removed documents reappear months
later and a few of those are removed again. A removed document carries one CJO 不公开理由 code
per removal half of the time (01 state secrets, 02 juvenile offenders, 05 divorce or child
custody, 06 other cases the court deems unfit for publication). A few checks fail (timeouts,
server errors): they say nothing about the document.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import Any

from flows.synth.documents import HORIZON, Judged, stamp

OBSERVATION_SCHEMA = "wenshu.observation/1"
MONITOR_START = date(2020, 1, 1)
CHECK_EVERY_DAYS = 91
CHECK_JITTER_DAYS = 30
BASE_REMOVAL = {True: 0.06, False: 0.03}  # criminal, civil
PROVINCE_REMOVAL = {"新": 3.0, "藏": 3.0, "京": 1.5, "内": 1.5, "沪": 0.6, "浙": 0.6, "粤": 0.8}
SENSITIVE_REMOVAL = 4.0  # causes with at least this removal factor are campaign targets
WAVES = (  # (first day, days, weight for ordinary causes, weight for sensitive causes)
    (date(2020, 7, 1), 183, 0.10, 0.05),
    (date(2021, 3, 1), 121, 0.40, 0.65),
    (date(2022, 1, 1), 180, 0.25, 0.15),
    (date(2023, 6, 1), 579, 0.25, 0.15),
)
REAPPEAR_SHARE = 0.15
REMOVED_AGAIN_SHARE = 0.3  # of reappeared documents
ERROR_SHARE = 0.015
ERROR_HTTP: tuple[int | None, ...] = (500, 502, 503, None)  # None: the request timed out

Episode = tuple[date, date | None, str | None]  # removed on, back on (None: still gone), reason


def _removal_day(rng: Random, judged: Judged) -> date | None:
    """When the document is first taken down, or None if it never is (before the horizon)."""
    criminal = judged.cause.name.endswith("罪")
    chance = BASE_REMOVAL[criminal] * judged.cause.removal * PROVINCE_REMOVAL.get(judged.province_abbr, 1.0)
    if rng.random() >= min(chance, 0.95):
        return None
    sensitive = judged.cause.removal >= SENSITIVE_REMOVAL
    roll, chosen = rng.random(), WAVES[-1]
    for wave in WAVES:
        weight = wave[3] if sensitive else wave[2]
        if roll < weight:
            chosen = wave
            break
        roll -= weight
    removed = chosen[0] + timedelta(days=int(rng.random() * chosen[1]))
    if removed <= judged.captured_at:
        removed = judged.captured_at + timedelta(days=30 + int(rng.random() * 335))
    return removed if removed < HORIZON else None


def _reason(rng: Random, judged: Judged) -> str | None:
    return judged.cause.reasons[int(rng.random() * len(judged.cause.reasons))] if rng.random() < 0.5 else None


def _episodes(rng: Random, judged: Judged) -> list[Episode]:
    """The document's removals in time order: one, then maybe a reappearance and a second one."""
    removed = _removal_day(rng, judged)
    episodes: list[Episode] = []
    while removed is not None and removed < HORIZON and len(episodes) < 2:
        returns = removed + timedelta(days=30 + int(rng.random() * 470))
        back = returns if rng.random() < REAPPEAR_SHARE and returns < HORIZON else None
        episodes.append((removed, back, _reason(rng, judged)))
        if back is None or rng.random() >= REMOVED_AGAIN_SHARE:
            break
        removed = back + timedelta(days=60 + int(rng.random() * 340))
    return episodes


def _check_days(rng: Random, first: date) -> list[date]:
    """Quarterly re-checks with jitter, from ``first`` to the horizon."""
    days = []
    day = first + timedelta(days=int(rng.random() * CHECK_EVERY_DAYS))
    while day <= HORIZON:
        days.append(day)
        day += timedelta(days=CHECK_EVERY_DAYS - CHECK_JITTER_DAYS + int(rng.random() * 2 * CHECK_JITTER_DAYS))
    return days


def _observation(rng: Random, judged: Judged, day: date, episode: Episode | None) -> dict[str, Any]:
    status, reason = "available", None
    http: int | None = 200
    if rng.random() < ERROR_SHARE:
        status, http = "error", ERROR_HTTP[int(rng.random() * len(ERROR_HTTP))]
        reason = "timeout" if http is None else f"HTTP {http}"
    elif episode is not None and rng.random() < 0.75:
        status, reason = "removed", episode[2]
    elif episode is not None:
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
    """Checks from the day after capture (or the monitor's start) to the horizon, in time order."""
    first = max(judged.captured_at + timedelta(days=1), MONITOR_START)
    if first > HORIZON:
        return []
    episodes = _episodes(rng, judged)

    def gone_in(day: date) -> Episode | None:
        return next((e for e in episodes if e[0] <= day and (e[1] is None or day < e[1])), None)

    return [_observation(rng, judged, day, gone_in(day)) for day in _check_days(rng, first)]
