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

from bisect import bisect_right
from datetime import date
from itertools import accumulate
from operator import add
from random import Random
from typing import Any

import orjson

from flows.synth.documents import HORIZON_DAY, TIMES, Judged
from flows.synth.numerals import FIRST_DAY, ISO_BYTES

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

Episode = tuple[int, int, str | None]  # removed on, back on (HORIZON_DAY + 1: still gone), reason; ordinals
MONITOR_START_DAY = MONITOR_START.toordinal()
_STILL_GONE = HORIZON_DAY + 1


def _removal_day(rng: Random, judged: Judged) -> int | None:
    """When the document is first taken down (an ordinal), or None if it never is (before the horizon)."""
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
    removed = chosen[0].toordinal() + int(rng.random() * chosen[1])
    captured = judged.captured_day
    if removed <= captured:
        removed = captured + 30 + int(rng.random() * 335)
    return removed if removed < HORIZON_DAY else None


def _reason(rng: Random, judged: Judged) -> str | None:
    return judged.cause.reasons[int(rng.random() * len(judged.cause.reasons))] if rng.random() < 0.5 else None


def _episodes(rng: Random, judged: Judged) -> list[Episode]:
    """The document's removals in time order: one, then maybe a reappearance and a second one."""
    removed = _removal_day(rng, judged)
    episodes: list[Episode] = []
    while removed is not None and removed < HORIZON_DAY and len(episodes) < 2:
        returns = removed + 30 + int(rng.random() * 470)
        back = returns if rng.random() < REAPPEAR_SHARE and returns < HORIZON_DAY else None
        episodes.append((removed, _STILL_GONE if back is None else back, _reason(rng, judged)))
        if back is None or rng.random() >= REMOVED_AGAIN_SHARE:
            break
        removed = back + 60 + int(rng.random() * 340)
    return episodes


def _tail(status: str, http: int | None, reason: str | None) -> bytes:
    """The end of an observation line, from its status on."""
    return b'","' + orjson.dumps({"status": status, "http_status": http, "reason": reason})[2:] + b"\n"


AVAILABLE = _tail("available", 200, None)
NOT_FOUND = _tail("not_found", 404, None)
ERRORS = tuple(_tail("error", http, "timeout" if http is None else f"HTTP {http}") for http in ERROR_HTTP)
REMOVED = {reason: _tail("removed", 200, reason) for reason in (None, "01", "02", "03", "04", "05", "06")}
GONE_SHARE = 0.75  # of checks while removed: the page says so (removed); else it is just gone (404)

# A document's checks are slices, at random offsets, of long precomputed random sequences (from a
# fixed stream, so the same in every process): the days between checks (as running totals) and
# each check's time of day with its outcome (a few failed requests). A document then costs a few
# draws whatever its number of checks; only checks during a removal are decided one by one.
TABLE_SIZE = 1 << 16
MOST_CHECKS = 64  # more than fit between MONITOR_START and HORIZON at the shortest gap
_TABLES = Random("wenshu-synth/monitor/tables")
CHECK_DAYS = list(
    accumulate(
        (
            CHECK_EVERY_DAYS - CHECK_JITTER_DAYS + int(_TABLES.random() * 2 * CHECK_JITTER_DAYS)
            for _ in range(TABLE_SIZE + MOST_CHECKS)
        ),
        initial=0,
    )
)
CHECK_ENDS = [  # b'T08:05:09Z","status":…}\n': a check's time and outcome
    TIMES[int(_TABLES.random() * len(TIMES))]
    + (ERRORS[int(roll / ERROR_SHARE * len(ERRORS))] if (roll := _TABLES.random()) < ERROR_SHARE else AVAILABLE)
    for _ in range(TABLE_SIZE + MOST_CHECKS)
]
_TIME = len(TIMES[0])


def observation_block(rng: Random, judged: Judged) -> tuple[bytes, int]:
    """(JSONL lines, how many) of checks from the day after capture (or the monitor's start) to the
    horizon, in time order: quarterly with jitter, a few failed, and while the document is removed
    most say so (removed, with the episode's reason) and the rest find nothing (not_found)."""
    first = max(judged.captured_day + 1, MONITOR_START_DAY)
    if first > HORIZON_DAY:
        return b"", 0
    episodes = _episodes(rng, judged)
    random = rng.random
    start = first + int(random() * CHECK_EVERY_DAYS)
    at = int(random() * TABLE_SIZE)
    base = CHECK_DAYS[at]
    end = bisect_right(CHECK_DAYS, base + HORIZON_DAY - start, at, at + MOST_CHECKS)
    count = end - at
    if count <= 0:
        return b"", 0
    shift = start - base
    days = CHECK_DAYS[at:end]
    ends_at = int(random() * TABLE_SIZE)
    ends = CHECK_ENDS[ends_at : ends_at + count]
    for removed, back, reason in episodes:
        for index, day in enumerate(days):
            if removed <= day + shift < back and ends[index].endswith(AVAILABLE):  # a failed check says nothing
                ends[index] = ends[index][:_TIME] + (REMOVED[reason] if random() < GONE_SHARE else NOT_FOUND)
    prefix = b'{"schema":"' + OBSERVATION_SCHEMA.encode() + b'","doc_id":"' + judged.doc_id.encode() + b'","checked_at":"'
    dates = map(ISO_BYTES.__getitem__, map((shift - FIRST_DAY).__add__, days))
    return prefix + prefix.join(map(add, dates, ends)), count


def observations(rng: Random, judged: Judged) -> list[dict[str, Any]]:
    """:func:`observation_block` as dicts (tests and one-off use)."""
    return [orjson.loads(line) for line in observation_block(rng, judged)[0].splitlines()]
