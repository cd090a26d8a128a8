"""bench/: where a pipeline run's dbt build spent its time, and the ratios reported for information."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        yield SimpleNamespace(scale=importlib.import_module("scale"), report=importlib.import_module("report"))
    finally:
        sys.path.remove(str(BENCH))


def _run_results(path: Path, elapsed: float, nodes: dict[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    results = [{"unique_id": unique_id, "execution_time": seconds} for unique_id, seconds in nodes.items()]
    path.write_text(json.dumps({"elapsed_time": elapsed, "results": results}), encoding="utf-8")


def test_a_runs_dbt_build_gives_its_slowest_nodes_and_is_kept(bench, tmp_path):
    results = tmp_path / "work" / "warehouse" / "wenshu.dbt" / "target" / "run_results.json"
    nodes = {f"model.wenshu.m{i}": float(i) for i in range(12)} | {"test.wenshu.unique_judgments_doc_id.4e02f3": 20.0}
    _run_results(results, 61.234, nodes)
    (tmp_path / "logs").mkdir()

    dbt = bench.scale.dbt_timings(tmp_path, "full", since=0.0)

    assert dbt["elapsed"] == 61.23
    assert list(dbt["slowest"]) == ["unique_judgments_doc_id.4e02f3", "m11", "m10", "m9", "m8", "m7", "m6", "m5"]
    assert dbt["slowest"]["m11"] == 11.0
    assert json.loads((tmp_path / "logs" / "full.dbt-run-results.json").read_text())["elapsed_time"] == 61.234


def test_a_run_that_built_nothing_reports_no_dbt_build(bench, tmp_path):
    results = tmp_path / "work" / "warehouse" / "wenshu.dbt" / "target" / "run_results.json"
    _run_results(results, 10.0, {"model.wenshu.judgments": 5.0})  # an earlier run's
    os.utime(results, (1_000, 1_000))
    (tmp_path / "logs").mkdir()

    assert bench.scale.dbt_timings(tmp_path, "no-op", since=2_000.0) is None
    assert not (tmp_path / "logs" / "no-op.dbt-run-results.json").exists()


def _stage(name: str, seconds: float, detail: dict | None = None):
    return SimpleNamespace(name=name, seconds=seconds, peak_rss_mb=100.0, rows=1000, detail=detail or {},
                           rows_per_second=1000 / seconds)  # fmt: skip


def test_the_floor_over_every_landing_file_is_reported_for_information_only(bench):
    stages = {"full": _stage("full", 450.0), "floor": _stage("floor", 100.0), "floor monitor": _stage("floor monitor", 50.0)}

    found = {target["name"]: target for target in bench.report.targets(stages, 1_000_000)}

    assert found["full / floor (wall)"]["value"] == 4.5 and found["full / floor (wall)"]["pass"] is False
    assert found["full / (floor + floor monitor) (wall)"]["value"] == 3.0
    assert found["full / (floor + floor monitor) (wall)"]["pass"] is None


def test_the_report_shows_the_dbt_builds_and_an_information_ratio_as_such(bench):
    full = {"name": "full", "seconds": 450.0, "peak_rss_mb": 100.0, "rows": 1000, "rows_per_second": 2.2,
            "detail": {"dbt": {"elapsed": 120.5, "slowest": {"judgment_texts": 70.25, "judgments": 20.0}}}}  # fmt: skip
    noop = {"name": "no-op", "seconds": 6.0, "peak_rss_mb": 100.0, "rows": None, "rows_per_second": None, "detail": {}}
    results = {
        "judgments": 1_000_000, "observations": True, "input_records": 1_000_000, "stages": [full, noop], "checks": {},
        "targets": [{"name": "full / (floor + floor monitor) (wall)", "value": 3.0, "target": "-", "pass": None, "note": ""}],
        "machine": {"cpus": 2, "duckdb_threads": 2, "duckdb_memory_limit": "2GB", "load_average": [1.0, 1.0]},
    }  # fmt: skip

    text = bench.report.render(results)

    assert "| full | 120.5 | judgment_texts 70.2, judgments 20.0 |" in text
    assert "| no-op |" not in text.split("| dbt build in |")[1]
    assert "| full / (floor + floor monitor) (wall) | 3.000 | - | info |" in text
