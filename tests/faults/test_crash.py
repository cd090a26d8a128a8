"""SIGKILL a publisher at every point of a publish and prove the store survives.

Each trial forks a child that publishes a prepared package and is killed at its N-th kill
point: before and after every storage call (claim, data files, descriptor, mark published,
latest, catalog and the reads in between) and, on a local store, inside every write, once its
temporary file is complete but not yet in place. After each kill the store must verify,
``latest``/``catalog`` must point at complete published versions, and a rerun must finish the
publish as the same version, with no version claimed twice.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from faultkit import (
    DATASET,
    Files,
    Hook,
    SpyStorage,
    assert_consistent,
    count_points,
    hook_local_temp_files,
    kill_at,
    newest,
    publish,
    run_in_child,
)

from flows import layout
from flows.publish import pointers
from flows.publish.datasets import DatasetSpec
from flows.storage import Storage
from flows.storage.local import LocalStorage

SCENARIOS = {
    # name: (package already published, package to publish, kill the rerun too, versions at the end)
    "initial": (None, "v1", False, ["1.0.0"]),
    "update": ("v1", "v2", False, ["1.0.0", "1.1.0"]),
    "killed-twice": (None, "v1", True, ["1.0.0"]),
}
# Kill points per scenario, spread evenly from the first to the last (a publish costs ~0.5 s
# locally and ~2.5 s on the S3 server, and every trial reruns it).
TRIALS = {"initial": 20, "update": 16, "killed-twice": 8}
S3_TRIALS = 3


def spread(points: int, count: int) -> list[int]:
    """``count`` kill points spread evenly over ``range(points)``, both ends included."""
    return sorted({round(i * (points - 1) / (count - 1)) for i in range(count)})


def killed_publish(make_store: Callable[[], Storage], spec: DatasetSpec, files: Files, point: int | None) -> int:
    """Publish in a child killed at ``point``; returns the child's wait status."""

    def action() -> None:
        store = make_store()
        hook = kill_at(point)
        if isinstance(store, LocalStorage):
            hook_local_temp_files(hook)
        publish(SpyStorage(store, hook), spec, files)

    return run_in_child(action)


def points_of(make_store: Callable[[], Storage], spec: DatasetSpec, files: Files) -> int:
    def action(hook: Hook) -> None:
        store = make_store()
        if isinstance(store, LocalStorage):  # counted in-process: patch, count, restore
            original = LocalStorage._write_temp
            try:
                hook_local_temp_files(hook)
                publish(SpyStorage(store, hook), spec, files)
            finally:
                LocalStorage._write_temp = original  # type: ignore[method-assign]
        else:
            publish(SpyStorage(store, hook), spec, files)

    return count_points(action)


def assert_recovers(store: Storage, spec: DatasetSpec, files: Files, expected: list[str], scratch: Path, what: str) -> None:
    assert_consistent(store, scratch)
    rerun = publish(store, spec, files, run_id="rerun")
    assert rerun.version == expected[-1], f"{what}: rerun gave {rerun.version}"
    index = assert_consistent(store, scratch)
    assert [e["version"] for e in index["versions"]] == expected, f"{what}: {index['versions']}"
    assert all(e["status"] == "published" for e in index["versions"]), what
    assert newest(index) == expected[-1]
    assert pointers.read_json(store, layout.latest_pointer(DATASET))["version"] == expected[-1]
    descriptor = pointers.read_json(store, layout.descriptor(DATASET, expected[-1]))
    assert {f"sha256:{f.sha256}" for f in files} <= {r["hash"] for r in descriptor["resources"]}


def assert_killed(status: int, what: str) -> None:
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"{what}: child exited with status {status}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_sigkill_at_every_point_of_a_local_publish(
    scenario: str, spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path
) -> None:
    before, package, twice, expected = SCENARIOS[scenario]
    files = packages(package)
    baseline = tmp_path / "baseline"
    if before:
        publish(LocalStorage(baseline), spec, packages(before))
    baseline.mkdir(exist_ok=True)
    shutil.copytree(baseline, tmp_path / "probe")
    points = points_of(lambda: LocalStorage(tmp_path / "probe"), spec, files)
    trials = spread(points, TRIALS[scenario])
    for point in trials:
        root = tmp_path / f"trial-{point}"
        shutil.copytree(baseline, root)
        what = f"{scenario} point {point}/{points}"
        assert_killed(killed_publish(lambda root=root: LocalStorage(root), spec, files, point), what)
        if twice:  # the rerun is killed too, at a point spread over its own (shorter) run
            status = killed_publish(lambda root=root: LocalStorage(root), spec, files, (point * 7) % points)
            assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0, f"{what}: second run exited {status}"
            assert_consistent(LocalStorage(root), tmp_path / "scratch")
        assert_recovers(LocalStorage(root), spec, files, expected, tmp_path / "scratch", what)
        shutil.rmtree(root)
    print(f"crash {scenario}: {len(trials)} trials over {points} kill points, {len(trials)} survived")


@pytest.mark.parametrize("scenario", ["initial", "update"])
def test_sigkill_during_an_s3_publish(
    scenario: str, spec: DatasetSpec, packages: Callable[[str], Files], s3_bucket: str, s3_server: str, tmp_path: Path
) -> None:
    """The same sweep against the in-process S3 server, at a few points spread over the publish."""
    from flows.storage.s3 import S3Storage

    before, package, _, expected = SCENARIOS[scenario]
    files = packages(package)
    bucket = s3_bucket.removeprefix("s3://")

    def store_at(prefix: str) -> Callable[[], Storage]:
        return lambda: S3Storage(bucket, prefix, endpoint_url=s3_server)

    if before:
        publish(store_at("probe")(), spec, packages(before))
    points = points_of(store_at("probe"), spec, files)
    trials = spread(points, S3_TRIALS)
    for point in trials:
        make_store = store_at(f"trial-{point}")
        if before:
            publish(make_store(), spec, packages(before))
        what = f"s3 {scenario} point {point}/{points}"
        assert_killed(killed_publish(make_store, spec, files, point), what)
        assert_recovers(make_store(), spec, files, expected, tmp_path / "scratch", what)
    print(f"crash s3 {scenario}: {len(trials)} trials over {points} kill points, {len(trials)} survived")
