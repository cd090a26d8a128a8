"""A rerun reads only the landing files that changed since their ingest; the rest come from the index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows import layout
from flows.pipeline import landing_index, steps
from flows.pipeline.context import RunContext
from flows.synth.landing import generate_landing


@pytest.fixture
def context(tmp_path: Path) -> RunContext:
    generate_landing(tmp_path / "landing", 24, records_per_file=8, workers=1, median_chars=200)
    return RunContext.create(landing=str(tmp_path / "landing"), store=str(tmp_path / "store"), work=str(tmp_path / "work"))


def ingest(context: RunContext) -> tuple[landing_index.IngestPlan, list[dict]]:
    """What ``ingest_files`` does, without Prefect: plan, ingest the pending files, record them."""
    plan = landing_index.plan_ingest(context, steps.list_landing(context))
    reports = [steps.ingest_one(context, key) for key in plan.pending]
    landing_index.record_ingested(context, plan, reports)
    return plan, reports


def test_unchanged_files_are_reused_without_being_read(context: RunContext) -> None:
    keys = steps.list_landing(context)
    assert len(keys) == 6  # 3 scraper files and their 3 observation files
    first, reports = ingest(context)
    assert first.pending == keys and not first.reused
    second, _ = ingest(context)
    assert second.pending == [] and len(second.reused) == 6
    fresh = {r["source_file"]: r for r in reports}
    for reused in second.reused:
        assert reused["reused"] is True
        assert {**reused, "reused": False} == fresh[reused["source_file"]]  # the same counts, partition and formats


def test_a_changed_file_a_lost_manifest_or_a_lost_index_is_read_again(context: RunContext, tmp_path: Path) -> None:
    keys = steps.list_landing(context)
    _, reports = ingest(context)
    changed, lost = keys[0], keys[1]
    path = tmp_path / "landing" / changed
    path.write_bytes(path.read_bytes())  # same bytes, new mtime: read again, and found already ingested
    os.utime(path, ns=(1, 1))
    partition = next(r["partition_id"] for r in reports if r["source_file"] == lost)
    context.work.delete(layout.ingest_manifest(partition))
    plan, again = ingest(context)
    assert plan.pending == [changed, lost]
    assert [r["reused"] for r in again] == [True, False]  # same content: ingest's own manifest check; lost: parsed anew
    context.work.delete(layout.LANDING_INDEX)
    assert landing_index.plan_ingest(context, keys).pending == keys


def test_a_removed_landing_file_leaves_the_index(context: RunContext, tmp_path: Path) -> None:
    keys = steps.list_landing(context)
    ingest(context)
    (tmp_path / "landing" / keys[-1]).unlink()
    plan, _ = ingest(context)
    assert plan.pending == [] and len(plan.reused) == 5
    from flows.publish import pointers

    assert sorted(pointers.read_json(context.work, layout.LANDING_INDEX)) == sorted(keys[:-1])
