"""bench/scale.py keeps what explains a failed pipeline run, even when it clears the state."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def scale():
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("scale")
    finally:
        sys.path.remove(str(BENCH))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_failed_runs_dbt_results_log_and_newest_run_folder_are_copied(scale, tmp_path):
    dbt = tmp_path / "work" / "warehouse" / "wenshu.dbt"
    _write(dbt / "target" / "run_results.json", '{"results": "out of memory"}')
    _write(dbt / "logs" / "dbt.log", "Out of Memory Error")
    _write(dbt / "target" / "manifest.json", "{}")  # large, and says nothing about the failure
    _write(tmp_path / "work" / "runs" / "20261207T110000Z-aaaaaa" / "report.json", "older")
    _write(tmp_path / "work" / "runs" / "20261207T120000Z-bbbbbb" / "report.json", "newest")
    _write(tmp_path / "work" / "runs" / "20261207T120000Z-bbbbbb" / "validation" / "raw.json", "{}")

    kept = scale.keep_diagnostics(tmp_path, "full")

    folder = tmp_path / "logs" / "full.diagnostics"
    assert (folder / "warehouse" / "wenshu.dbt" / "target" / "run_results.json").read_text() == '{"results": "out of memory"}'
    assert (folder / "warehouse" / "wenshu.dbt" / "logs" / "dbt.log").read_text() == "Out of Memory Error"
    assert not (folder / "warehouse" / "wenshu.dbt" / "target" / "manifest.json").exists()
    assert (folder / "runs" / "20261207T120000Z-bbbbbb" / "report.json").read_text() == "newest"
    assert (folder / "runs" / "20261207T120000Z-bbbbbb" / "validation" / "raw.json").is_file()
    assert not (folder / "runs" / "20261207T110000Z-aaaaaa").exists()
    assert len(kept) == 3 and all(path.exists() for path in kept)


def test_nothing_to_keep_keeps_nothing(scale, tmp_path):
    assert scale.keep_diagnostics(tmp_path, "full") == []


def test_a_second_failure_replaces_the_first_ones_copies(scale, tmp_path):
    _write(tmp_path / "work" / "runs" / "20261207T110000Z-aaaaaa" / "report.json", "first")
    scale.keep_diagnostics(tmp_path, "incremental")
    _write(tmp_path / "work" / "runs" / "20261207T120000Z-bbbbbb" / "report.json", "second")
    scale.keep_diagnostics(tmp_path, "incremental")
    runs = tmp_path / "logs" / "incremental.diagnostics" / "runs"
    assert [path.name for path in runs.iterdir()] == ["20261207T120000Z-bbbbbb"]


def test_only_what_the_failed_run_wrote_is_kept(scale, tmp_path):
    dbt = tmp_path / "work" / "warehouse" / "wenshu.dbt"
    _write(dbt / "target" / "run_results.json", "the full stage's, which passed")
    _write(tmp_path / "work" / "runs" / "20261207T110000Z-aaaaaa" / "report.json", "the full stage's")
    for path in (dbt / "target" / "run_results.json", tmp_path / "work" / "runs" / "20261207T110000Z-aaaaaa"):
        os.utime(path, (1_000, 1_000))
    _write(dbt / "logs" / "dbt.log", "written by the failed run")

    kept = scale.keep_diagnostics(tmp_path, "incremental", since=2_000)

    assert [path.name for path in kept] == ["dbt.log"]
