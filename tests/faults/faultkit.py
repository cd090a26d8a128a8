"""Helpers shared by the fault tests: a tiny package, a publish shortcut, a consistency check."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from flows import layout
from flows.publish import pointers
from flows.publish.consume import verify_store
from flows.publish.datasets import DatasetSpec
from flows.publish.export import ExportedFile, sha256_file
from flows.publish.publisher import PublishResult, publish_dataset
from flows.storage import Storage

DATASET = "fault-cases"
SPEC_YAML = f"""
name: {DATASET}
title: Fault-test cases
description: A tiny package published again and again under injected faults.
licenses: [{{name: CC-BY-4.0, path: "https://creativecommons.org/licenses/by/4.0/"}}]
citation: "{{title}}, version {{version}} ({{year}}), {{id}}."
resources:
  - {{name: cases, model: cases, formats: [csv, parquet]}}
  - {{name: courts, model: courts, formats: [parquet]}}
"""
SCHEMAS: dict[str, dict[str, Any]] = {
    "cases": {
        "fields": [
            {"name": "doc_id", "type": "string"},
            {"name": "court", "type": "string"},
            {"name": "year", "type": "integer"},
        ],
        "primaryKey": ["doc_id"],
    },
    "courts": {"fields": [{"name": "court", "type": "string"}, {"name": "level", "type": "integer"}], "primaryKey": ["court"]},
}
Files = list[ExportedFile]


def _write(out: Path, resource: str, fmt: str, table: pa.Table) -> ExportedFile:
    package_path = layout.resource_path(resource, fmt)
    target = out / package_path
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pa_csv.write_csv(table, target)
    else:
        pq.write_table(table, target, compression="zstd")
    return ExportedFile(resource, fmt, target, package_path, target.stat().st_size, sha256_file(target), table.num_rows)


def build_files(out: Path, cases: int, tag: str = "") -> Files:
    """A package of ``cases`` rows (plus a fixed courts table); ``tag`` changes the content."""
    case_table = pa.table(
        {
            "doc_id": [f"doc-{i:05d}{tag}" for i in range(cases)],
            "court": [f"court-{i % 7}" for i in range(cases)],
            "year": [2013 + i % 10 for i in range(cases)],
        }
    )
    court_table = pa.table({"court": [f"court-{i}" for i in range(7)], "level": [i % 4 for i in range(7)]})
    return [
        _write(out, "cases", "csv", case_table),
        _write(out, "cases", "parquet", case_table),
        _write(out, "courts", "parquet", court_table),
    ]


def publish(store: Storage, spec: DatasetSpec, files: Files, run_id: str = "run-1") -> PublishResult:
    return publish_dataset(store, spec, files, SCHEMAS, {"cases": "cases", "courts": "courts"}, run_id)


def assert_consistent(store: Storage, scratch: Path, dataset: str = DATASET) -> dict[str, Any]:
    """Nothing half-visible: verify passes; latest and catalog point at complete published versions."""
    audit = verify_store(store, scratch)
    assert audit.ok, audit.problems
    index = pointers.read_json(store, layout.versions_index(dataset)) or pointers.empty_index(dataset)
    versions = [entry["version"] for entry in index["versions"]]
    assert len(versions) == len(set(versions)), f"a version was claimed twice: {versions}"
    published = {e["version"]: e for e in index["versions"] if e["status"] == "published"}
    latest = pointers.read_json(store, layout.latest_pointer(dataset))
    if latest is not None:
        entry = published.get(latest["version"])
        assert entry is not None, f"latest.json points at {latest['version']}, not published"
        assert latest["descriptor_sha256"] == entry["descriptor_sha256"]
    for key in store.list(f"{dataset}/"):  # files first, descriptor after them: none without its files
        if key.endswith("/datapackage.json"):
            version = key.split("/")[1]
            package = orjson.loads(store.get(key))
            for resource in [*package["resources"], *package.get("files", [])]:
                file_key = layout.package_file(dataset, version, resource["path"])
                assert store.size(file_key) == resource["bytes"], f"{key} lists {file_key}, which is missing or partial"
    catalog = pointers.read_json(store, layout.CATALOG)
    for item in (catalog or {}).get("datasets", []):
        if item["name"] == dataset:
            assert item["version"] in published, f"catalog.json lists unpublished {item['version']}"
    return index


def newest(index: dict[str, Any]) -> str | None:
    entry = pointers.newest_published(index)
    return entry["version"] if entry else None


WRITES = frozenset({"put", "put_if_absent", "put_file_if_absent", "compare_and_swap", "delete"})
Hook = Callable[[str, str], None]


class SpyStorage:
    """Forwards every call to ``inner``, recording it and calling ``hook(operation, phase)``
    before and after it (phase ``before``/``after``): the seam for kills, pauses and proofs
    that no storage call happened."""

    def __init__(self, inner: Storage, hook: Hook | None = None):
        self.inner = inner
        self.url = inner.url
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.hook = hook

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args))
            if self.hook:
                self.hook(name, "before")
            result = attribute(*args, **kwargs)
            if self.hook:
                self.hook(name, "after")
            return result

        return call


def run_in_child(action: Callable[[], object], timeout: float = 30.0) -> int:
    """Run ``action`` in a forked child; return its wait status (the child never returns here).

    Forking keeps each trial at a few milliseconds: the parent has already imported everything.
    """
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            action()
        except BaseException:
            code = 3
        os._exit(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"child {pid} did not finish within {timeout} s")


def kill_at(point: int | None) -> Hook:
    """A hook that SIGKILLs the current process at its ``point``-th call (0-based; None: never)."""
    seen = [0]

    def hook(operation: str, phase: str) -> None:
        if seen[0] == point:
            os.kill(os.getpid(), signal.SIGKILL)
        seen[0] += 1

    return hook


def count_points(action: Callable[[Hook], object]) -> int:
    """How many times ``action`` calls its hook when nothing is killed."""
    seen: list[str] = []
    action(lambda operation, phase: seen.append(phase))
    return len(seen)


def hook_local_temp_files(hook: Hook) -> None:
    """Also call ``hook(operation, "inside")`` once a local write's hidden temporary file is
    complete but not yet in place (linked or renamed). For a forked child only: it patches."""
    from flows.storage.local import LocalStorage

    write_temp = LocalStorage._write_temp

    def patched(self: LocalStorage, path: Path, data: Any) -> Path:
        tmp = write_temp(self, path, data)
        hook("write", "inside")
        return tmp

    LocalStorage._write_temp = patched  # type: ignore[method-assign]


def private_copy(files: Files, folder: Path) -> Files:
    """The same package in a publisher's own export folder (publishers write deltas beside it)."""
    copies = []
    for file in files:
        target = folder / file.package_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file.path, target)
        copies.append(dataclasses.replace(file, path=target))
    return copies
