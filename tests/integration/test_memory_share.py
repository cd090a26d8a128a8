"""Parallel task workers split the DuckDB memory budget; the flow's own process keeps all of it."""

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
