"""A rerun stops early only when nothing it would read, run or write to has changed."""

from __future__ import annotations

import pickle
from pathlib import Path

import orjson
import pytest

from flows import layout
from flows.pipeline import fingerprint
from flows.pipeline.context import RunContext
from flows.pipeline.runners import task_runner
from flows.settings import Settings

DATASETS = ["alpha", "beta"]


@pytest.fixture
def context(tmp_path: Path) -> RunContext:
    context = RunContext.create(landing=str(tmp_path / "landing"), store=str(tmp_path / "store"), work=str(tmp_path / "work"))
    context.work.put(layout.raw_partition("judgments", "a" * 64), b"PAR1")
    for name in DATASETS:
        context.store.put(layout.latest_pointer(name), orjson.dumps({"version": "1.0.0"}))
    return context


def test_nothing_changed_means_unchanged(context: RunContext) -> None:
    assert fingerprint.unchanged_since_last_success(context, DATASETS) is None  # no successful run yet
    fingerprint.record_success(context, DATASETS)
    last = fingerprint.unchanged_since_last_success(context, DATASETS)
    assert last is not None and last["run_id"] == context.run_id and last["latest"] == {"alpha": "1.0.0", "beta": "1.0.0"}
    assert last["raw"] == [layout.raw_partition("judgments", "a" * 64)]


def test_a_new_partition_a_moved_pointer_or_another_store_reruns(context: RunContext, tmp_path: Path) -> None:
    fingerprint.record_success(context, DATASETS)
    context.work.put(layout.raw_partition("observations", "b" * 64), b"PAR1")
    assert fingerprint.unchanged_since_last_success(context, DATASETS) is None
    fingerprint.record_success(context, DATASETS)
    context.store.put(layout.latest_pointer("beta"), orjson.dumps({"version": "0.9.0"}))  # withdrawn since
    assert fingerprint.unchanged_since_last_success(context, DATASETS) is None
    fingerprint.record_success(context, DATASETS)
    elsewhere = RunContext.create(landing=context.landing_url, store=str(tmp_path / "other"), work=context.work_url)
    assert fingerprint.unchanged_since_last_success(elsewhere, DATASETS) is None


def test_code_fingerprint_covers_models_suites_and_package_definitions() -> None:
    first = fingerprint.code_fingerprint()
    assert len(first) == 64 and first == fingerprint.code_fingerprint()


def test_the_context_travels_to_worker_processes_without_its_clients(context: RunContext) -> None:
    assert context.work.exists(layout.raw_partition("judgments", "a" * 64))  # opens (and caches) a storage
    copy = pickle.loads(pickle.dumps(context))
    assert copy == context and "work" not in copy.__dict__


@pytest.mark.parametrize(("kind", "runner"), [("threads", "ThreadPoolTaskRunner"), ("processes", "ProcessPoolTaskRunner"),
                                             ("dask", "DaskTaskRunner")])  # fmt: skip
def test_the_task_runner_follows_the_settings(kind: str, runner: str) -> None:
    assert type(task_runner(Settings(task_runner=kind, task_workers=3))).__name__ == runner  # type: ignore[arg-type]
