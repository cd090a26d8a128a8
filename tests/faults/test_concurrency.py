"""2–4 publisher processes racing on one dataset, with the same and with different content.

Every child is forked, waits on a shared pipe so all start together, and sleeps a random
0–3 ms before each storage call so that claims, file writes and pointer swaps interleave. At the
end every version must be complete and hold exactly the content its publisher sent (none
overwritten), ``versions.json`` must hold every claim (none lost), ``latest`` the newest.
"""

from __future__ import annotations

import json
import os
import random
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from faultkit import DATASET, Files, SpyStorage, assert_consistent, newest, private_copy, publish

from flows import layout
from flows.publish import pointers
from flows.publish.datasets import DatasetSpec
from flows.publish.versioning import parse
from flows.storage import Storage
from flows.storage.local import LocalStorage

ROUNDS = {"local": 2, "s3": 1}
RACES = {
    # name: (already published, packages raced, fewest and most versions at the end). Racers with
    # the same content share one version, unless another content landed in between: then the
    # later one is a change against that newest version and is published again, as it should be.
    "same-content-x4": (None, ["v1", "v1", "v1", "v1"], (1, 1)),
    "different-content-x4": (None, ["v1-a", "v1-b", "v1-c", "v1-d"], (4, 4)),
    "updates-x3-on-top": ("v1", ["v2", "v2-x", "v1"], (2, 4)),
    "two-same-two-different-x4": ("v1", ["v2", "v2", "v3", "v3-y"], (4, 5)),
}
S3_RACES = ["different-content-x4", "two-same-two-different-x4"]  # a round costs ~5 s on the S3 server


def jitter(seed: int) -> Callable[[str, str], None]:
    rng = random.Random(seed)
    return lambda operation, phase: time.sleep(rng.random() * 0.003) if phase == "before" else None


def race(make_store: Callable[[], Storage], spec: DatasetSpec, packages: list[Files], out: Path, seed: int) -> list[dict]:
    """Run one publisher per package in forked children started together; their results."""
    read_end, write_end = os.pipe()
    children = []
    for number, files in enumerate(packages):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                os.close(write_end)
                os.read(read_end, 1)
                result = publish(SpyStorage(make_store(), jitter(seed * 10 + number)), spec, files, f"racer-{number}")
                (out / f"{number}.json").write_text(json.dumps(result.to_dict()))
                code = 0
            except BaseException:
                (out / f"{number}.error").write_text(traceback.format_exc())
            finally:
                os._exit(code)
        children.append(pid)
    os.close(read_end)
    os.write(write_end, b"x" * len(children))
    os.close(write_end)
    deadline = time.monotonic() + 60
    for pid in children:
        while not os.waitpid(pid, os.WNOHANG)[0]:
            assert time.monotonic() < deadline, "a racer hung"
            time.sleep(0.005)
    results = []
    for number in range(len(packages)):
        path = out / f"{number}.json"
        assert path.exists(), f"racer {number} failed: {(out / f'{number}.error').read_text()}"
        results.append(json.loads(path.read_text()))
    return results


def check_race(
    store: Storage, packages: list[Files], results: list[dict], expected_versions: tuple[int, int], scratch: Path
) -> None:
    index = assert_consistent(store, scratch)
    entries = index["versions"]
    assert expected_versions[0] <= len(entries) <= expected_versions[1], entries
    assert all(entry["status"] == "published" for entry in entries), entries
    for files, result in zip(packages, results, strict=True):  # each publisher's version holds its content
        assert result["version"] is not None
        descriptor = pointers.read_json(store, layout.descriptor(DATASET, result["version"]))
        hashes = {r["hash"] for r in descriptor["resources"]}
        assert {f"sha256:{f.sha256}" for f in files} <= hashes, f"{result['version']} does not hold its publisher's files"
    for entry in entries:  # and each claimed version is one of the raced (or earlier) packages
        assert entry["version"] in {r["version"] for r in results} or entry["run_id"] == "run-1"
    latest = pointers.read_json(store, layout.latest_pointer(DATASET))
    assert latest["version"] == newest(index) == max((e["version"] for e in entries), key=parse)


@pytest.mark.parametrize(("name", "where"), [(name, "local") for name in sorted(RACES)] + [(name, "s3") for name in S3_RACES])
def test_racing_publishers(
    name: str, where: str, spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    before, raced, expected_versions = RACES[name]
    if where == "s3":
        from flows.storage.s3 import S3Storage

        bucket = request.getfixturevalue("s3_bucket").removeprefix("s3://")
        endpoint = request.getfixturevalue("s3_server")

        def store_for(round_: int) -> Callable[[], Storage]:
            return lambda: S3Storage(bucket, f"round-{round_}", endpoint_url=endpoint)
    else:

        def store_for(round_: int) -> Callable[[], Storage]:
            return lambda: LocalStorage(tmp_path / f"round-{round_}")

    for round_ in range(ROUNDS[where]):
        files = [private_copy(packages(package), tmp_path / f"exports-{round_}-{n}") for n, package in enumerate(raced)]
        make_store = store_for(round_)
        if before:
            publish(make_store(), spec, packages(before))
        out = tmp_path / f"results-{round_}"
        out.mkdir()
        results = race(make_store, spec, files, out, seed=round_)
        check_race(make_store(), files, results, expected_versions, tmp_path / "scratch")
    print(f"concurrency {name} {where}: {ROUNDS[where]} rounds of {len(raced)} racers, all consistent")
