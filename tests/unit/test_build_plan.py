"""A dbt build is incremental only over a warehouse that recorded a complete build of the same code
and of raw partitions that are all still there; anything else rebuilds in full."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import orjson
import pytest

from flows import layout
from flows.pipeline import fingerprint
from flows.pipeline.context import RunContext


def _key(table: str, char: str) -> str:
    return layout.raw_partition(table, char * 64)


@pytest.fixture
def context(tmp_path: Path) -> RunContext:
    context = RunContext.create(landing=str(tmp_path / "landing"), store=str(tmp_path / "store"), work=str(tmp_path / "work"))
    for key in (_key("judgments", "a"), _key("observations", "b")):
        context.work.put(key, b"PAR1")
    return context


def _built(context: RunContext) -> fingerprint.BuildPlan:
    """A successful run whose build reflects the raw layer as it is now."""
    fingerprint.record_success(context, [])
    context.warehouse.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(context.warehouse)).close()
    plan = fingerprint.plan_build(context)
    fingerprint.record_build(context, plan, done=True)
    return plan


def test_a_recorded_build_of_the_same_code_and_partitions_is_extended_incrementally(context: RunContext) -> None:
    _built(context)
    plan = fingerprint.plan_build(context)
    assert not plan.full and plan.new == {"judgments": [], "observations": []}

    context.work.put(_key("judgments", "c"), b"PAR1")
    context.work.put(_key("observations", "d"), b"PAR1")
    plan = fingerprint.plan_build(context)
    assert plan.new == {"judgments": [_key("judgments", "c")], "observations": [_key("observations", "d")]}
    assert plan.raw["judgments"] == [_key("judgments", "a"), _key("judgments", "c")]
    assert plan.summary() == {"mode": "incremental", "reason": plan.reason, "new_partitions": {"judgments": 1, "observations": 1}}


def test_without_a_successful_run_a_warehouse_or_its_record_the_build_is_full(context: RunContext) -> None:
    assert fingerprint.plan_build(context).reason == "no successful run yet"
    fingerprint.record_success(context, [])
    assert fingerprint.plan_build(context).reason == "no warehouse yet"
    context.warehouse.parent.mkdir(parents=True)
    duckdb.connect(str(context.warehouse)).close()  # e.g. left by a build that failed before recording
    plan = fingerprint.plan_build(context)
    assert plan.full and plan.reason == "the warehouse records no complete build"

    fingerprint.record_build(context, plan, done=True)
    assert not fingerprint.plan_build(context).full
    context.warehouse.unlink()
    assert fingerprint.plan_build(context).reason == "no warehouse yet"


def test_a_code_change_rebuilds_in_full(context: RunContext) -> None:
    _built(context)
    with duckdb.connect(str(context.warehouse)) as con:
        state = orjson.loads(con.execute("select state from wenshu_build_state").fetchone()[0])  # type: ignore[index]
        con.execute("update wenshu_build_state set state = ?", [orjson.dumps({**state, "code": "0" * 64}).decode()])
    assert fingerprint.plan_build(context).reason == "the code changed since the warehouse was built"


def test_a_partition_gone_since_the_build_rebuilds_in_full(context: RunContext) -> None:
    _built(context)
    context.work.delete(_key("observations", "b"))
    assert fingerprint.plan_build(context).reason == "1 raw partitions the warehouse was built from are gone"


def test_an_interrupted_incremental_build_is_redone_or_replaced(context: RunContext) -> None:
    _built(context)
    context.work.put(_key("judgments", "c"), b"PAR1")
    interrupted = fingerprint.plan_build(context)
    fingerprint.record_build(context, interrupted, done=False)  # the build then fails

    context.work.put(_key("judgments", "e"), b"PAR1")
    again = fingerprint.plan_build(context)  # the next build redoes the pending partition with the new one
    assert again.new == {"judgments": [_key("judgments", "c"), _key("judgments", "e")], "observations": []}

    context.work.delete(_key("judgments", "c"))  # a partition the interrupted build may have half-applied
    assert fingerprint.plan_build(context).reason == "1 raw partitions the warehouse was built from are gone"


def test_a_full_build_starts_from_no_warehouse(context: RunContext) -> None:
    _built(context)
    context.warehouse.with_name(context.warehouse.name + ".wal").write_bytes(b"")  # as a killed DuckDB leaves
    full = fingerprint.BuildPlan(raw=fingerprint.plan_build(context).raw, new=None, reason="test")
    fingerprint.record_build(context, full, done=False)
    assert not context.warehouse.exists() and not context.warehouse.with_name(context.warehouse.name + ".wal").exists()
    assert fingerprint.plan_build(context).reason == "no warehouse yet"

    duckdb.connect(str(context.warehouse)).close()  # the build creates one, then fails
    assert fingerprint.plan_build(context).reason == "the warehouse records no complete build"
    fingerprint.record_build(context, full, done=True)
    assert not fingerprint.plan_build(context).full


def test_a_full_build_leaves_a_warehouse_another_process_reads(context: RunContext) -> None:
    _built(context)
    hold = "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); sys.stdin.read()"
    reader = subprocess.Popen(
        [sys.executable, "-c", hold, str(context.warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        full = fingerprint.BuildPlan(raw=fingerprint.plan_build(context).raw, new=None, reason="test")
        with pytest.raises(duckdb.IOException, match="lock"):
            fingerprint.record_build(context, full, done=False)  # the build fails, not the reader
        assert not fingerprint.plan_build(context).full
    finally:
        reader.communicate(timeout=30)


def test_publishing_needs_a_build_that_finished_tests_and_all(context: RunContext) -> None:
    from flows.errors import SourceError
    from flows.pipeline.publish_flow import publish_flow

    assert fingerprint.unfinished_build(context) is None  # no warehouse: the publish step says so itself
    plan = _built(context)
    assert fingerprint.unfinished_build(context) is None

    context.work.put(_key("judgments", "c"), b"PAR1")
    fingerprint.record_build(context, fingerprint.plan_build(context), done=False)  # its tests then failed
    assert "adding 1 raw partitions, did not finish" in (fingerprint.unfinished_build(context) or "")
    with pytest.raises(SourceError, match="run `wenshu build` until it passes"):
        publish_flow.fn(store_url=context.store_url, work_url=context.work_url)

    fingerprint.record_build(context, fingerprint.BuildPlan(plan.raw, None, "full"), done=False)
    duckdb.connect(str(context.warehouse)).close()  # a full build created its warehouse, then failed
    assert "no finished build" in (fingerprint.unfinished_build(context) or "")
