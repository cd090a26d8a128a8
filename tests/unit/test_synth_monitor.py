"""The synthetic monitor: quarterly checks, removal waves concentrated on causes and provinces,
reappearances, deterministic per random stream."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from itertools import pairwise
from random import Random

from flows.synth.courts import load_reference
from flows.synth.documents import HORIZON, make_judgment
from flows.synth.monitor import CHECK_EVERY_DAYS, CHECK_JITTER_DAYS, SENSITIVE_REMOVAL, observations

GONE = ("removed", "not_found")
History = tuple[str, float, tuple[dict, ...]]  # province, cause removal factor, observations


@cache
def _histories(count: int, seed: int) -> tuple[History, ...]:
    ref, rng = load_reference(), Random(seed)
    histories = []
    for index in range(count):
        _, judged = make_judgment(rng, ref, seed, index, 300)
        histories.append((judged.province_abbr, judged.cause.removal, tuple(observations(rng, judged))))
    return tuple(histories)


def _day(row: dict) -> date:
    return date.fromisoformat(row["checked_at"][:10])


def _removals(history: tuple[dict, ...]) -> list[tuple[date, dict]]:
    """(first day seen gone, that check) of each run of gone checks; failed checks are skipped."""
    runs, previous = [], "available"
    for row in (row for row in history if row["status"] != "error"):
        if row["status"] in GONE and previous not in GONE:
            runs.append((_day(row), row))
        previous = row["status"]
    return runs


def test_same_stream_gives_the_same_observations() -> None:
    assert _histories(200, 3) == _histories.__wrapped__(200, 3)
    assert _histories(200, 3) != _histories(200, 4)


def test_checks_come_about_once_a_quarter_until_the_horizon() -> None:
    for _, _, history in _histories(300, 20):
        days = [_day(row) for row in history]
        gaps = [(b - a).days for a, b in pairwise(days)]
        assert all(CHECK_EVERY_DAYS - CHECK_JITTER_DAYS <= gap <= CHECK_EVERY_DAYS + CHECK_JITTER_DAYS for gap in gaps)
        assert not days or (HORIZON - days[-1]).days <= CHECK_EVERY_DAYS + CHECK_JITTER_DAYS


def test_removals_concentrate_on_some_provinces() -> None:
    seen: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for province, _, history in _histories(20000, 21):  # ~700 documents from 新: the ratio is noisy below that
        seen[province] += 1
        removed[province] += bool(_removals(history))
    overall = sum(removed.values()) / sum(seen.values())
    assert removed["新"] / seen["新"] > 2 * overall
    calm = ("沪", "浙", "粤")
    assert sum(removed[p] for p in calm) / sum(seen[p] for p in calm) < overall


def test_the_spring_2021_wave_hits_sensitive_causes_hardest() -> None:
    years: Counter[int] = Counter()
    in_wave: Counter[bool] = Counter()
    total: Counter[bool] = Counter()
    for _, factor, history in _histories(4000, 22):
        for day, _ in _removals(history):
            years[day.year] += 1
            sensitive = factor >= SENSITIVE_REMOVAL
            total[sensitive] += 1
            in_wave[sensitive] += date(2021, 3, 1) <= day < date(2021, 9, 1)
    assert years.most_common(1)[0][0] == 2021
    assert years[2021] > years[2019] + years[2020]
    assert in_wave[True] / total[True] > 1.2 * in_wave[False] / total[False]


def test_some_documents_reappear_and_some_are_removed_again() -> None:
    reappeared = removed_twice = 0
    for _, _, history in _histories(4000, 23):
        runs = _removals(history)
        statuses = [row["status"] for row in history if row["status"] != "error"]
        first_gone = next((i for i, status in enumerate(statuses) if status in GONE), None)
        reappeared += first_gone is not None and "available" in statuses[first_gone:]
        removed_twice += len(runs) > 1
    assert reappeared > 0 and removed_twice > 0


def test_one_reason_per_removal_and_errors_say_nothing() -> None:
    statuses: Counter[str] = Counter()
    for _, _, history in _histories(3000, 23):
        statuses.update(row["status"] for row in history)
        reasons = {row["reason"] for row in history if row["status"] == "removed"}
        assert len(reasons - {None}) <= 2  # one per removal episode, at most two episodes
        for row in history:
            if row["status"] == "error":
                assert row["http_status"] in (500, 502, 503, None)
                assert row["reason"] in ("timeout", "HTTP 500", "HTTP 502", "HTTP 503")
    assert statuses["error"] > 0 and statuses["available"] > statuses["removed"] + statuses["not_found"] > 0
