"""Parallel task workers split the DuckDB memory budget (the flow's own process keeps all of it), and weighted values start heaviest first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.pipeline.context import RunContext
from flows.pipeline.runners import run_parallel
from flows.settings import get_settings

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("prefect"), pytest.mark.usefixtures("prefect_server")]


@task(name="duckdb-memory-limit", cache_policy=NO_CACHE)
def duckdb_memory_limit(context: RunContext, value: int) -> tuple[int, str]:
    from flows.duck import connect

    with connect() as con:
        row = con.execute("select current_setting('memory_limit')").fetchone()
    return value, str(row[0]) if row else ""


@pytest.mark.parametrize("runner", ["processes", "threads"])
def test_workers_get_the_limit_divided_by_their_number(workdirs: Path, monkeypatch: pytest.MonkeyPatch, runner: str) -> None:
    monkeypatch.setenv("WENSHU_TASK_RUNNER", runner)
    monkeypatch.setenv("WENSHU_TASK_WORKERS", "2")
    monkeypatch.setenv("WENSHU_DUCKDB_MEMORY_LIMIT", "3GB")
    get_settings.cache_clear()
    context = RunContext.create(landing=str(workdirs / "l"), store=str(workdirs / "s"), work=str(workdirs / "w"))
    results: list[Any] = run_parallel(duckdb_memory_limit, context, "value", [1, 2, 3])
    assert results == [(1, "1.3 GiB"), (2, "1.3 GiB"), (3, "1.3 GiB")]  # 1.5 GB each
    assert run_parallel(duckdb_memory_limit, context, "value", [4]) == [(4, "2.7 GiB")]  # alone: all of it (3 GB)
    assert get_settings().duckdb_memory_share == 1  # and the flow's own process keeps all of it


@task(name="process-id", cache_policy=NO_CACHE)
def process_id(context: RunContext, value: int) -> tuple[int, int, str]:
    import os

    return value, os.getpid(), get_settings().task_runner


def test_a_single_short_task_runs_in_the_flow_process_and_several_on_the_pool(
    workdirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setenv("WENSHU_TASK_RUNNER", "processes")
    monkeypatch.setenv("WENSHU_TASK_WORKERS", "2")
    get_settings.cache_clear()
    context = RunContext.create(landing=str(workdirs / "l"), store=str(workdirs / "s"), work=str(workdirs / "w"))
    assert run_parallel(process_id, context, "value", [1], inline_single=True) == [(1, os.getpid(), "processes")]
    several: list[Any] = run_parallel(process_id, context, "value", [1, 2, 3], inline_single=True)
    assert [value for value, _, _ in several] == [1, 2, 3]
    assert os.getpid() not in {pid for _, pid, _ in several}
    [(_, pid, _)] = run_parallel(process_id, context, "value", [1])  # a publish: always on the pool
    assert pid != os.getpid()


@task(name="timed-sleep", cache_policy=NO_CACHE)
def timed_sleep(context: RunContext, value: tuple[str, float]) -> tuple[str, float, float]:
    import time

    started = time.time()
    time.sleep(value[1])
    return value[0], started, time.time()


def test_weighted_values_start_heaviest_first_and_keep_their_order(workdirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WENSHU_TASK_RUNNER", "processes")
    monkeypatch.setenv("WENSHU_TASK_WORKERS", "2")
    get_settings.cache_clear()
    context = RunContext.create(landing=str(workdirs / "l"), store=str(workdirs / "s"), work=str(workdirs / "w"))
    values = [("a", 0.5), ("b", 0.5), ("c", 0.5), ("big", 2.0), ("d", 0.5)]
    weights = {("big", 2.0): 9.0, ("c", 0.5): 1.0}

    results: list[Any] = run_parallel(timed_sleep, context, "value", values, weights=weights)

    assert [name for name, _, _ in results] == ["a", "b", "c", "big", "d"]
    spans = {name: (started, ended) for name, started, ended in results}
    first_two = sorted(spans, key=lambda name: spans[name][0])[:2]
    assert sorted(first_two) == ["big", "c"]  # the two heaviest, side by side; the others wait for a worker
