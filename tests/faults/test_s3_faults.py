"""Publish and download through a proxy that breaks S3 requests: 500/503, resets, stalls, truncation.

A publish must either succeed (through botocore's and the store's retries) or fail with a
project error, leaving nothing half-visible; a download must never accept a corrupted byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faultkit import DATASET, Files, assert_consistent, publish
from faultproxy import FaultProxy

from flows.errors import IntegrityError, StorageError, WenshuError
from flows.publish.consume import download, verify_store
from flows.publish.datasets import DatasetSpec
from flows.storage.s3 import S3Storage

PUBLISH_FAULTS = ["500", "503", "reset", "reset-early", "stall", "truncate"]
PUBLISH_TRIALS = 6
DOWNLOAD_FAULTS = ["500", "503", "reset", "stall", "truncate", "short", "flip"]
DOWNLOAD_TRIALS = 24


@pytest.fixture()
def proxy(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    # botocore waits up to 2**attempt seconds between retries; a few milliseconds keep this test short.
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0.01)
    with FaultProxy(s3_server, stall_seconds=1.0) as running:
        yield running


def through(proxy: FaultProxy, bucket: str, prefix: str, max_attempts: int = 5) -> S3Storage:
    """A store whose every request goes through the proxy, with short timeouts."""
    return S3Storage(bucket, prefix, endpoint_url=proxy.url, connect_timeout=1, read_timeout=0.4, max_attempts=max_attempts)


def test_publish_through_faults_succeeds_or_fails_cleanly(
    proxy: FaultProxy, s3_bucket: str, s3_server: str, spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path
) -> None:
    bucket = s3_bucket.removeprefix("s3://")
    outcomes = {"published": 0, "failed cleanly": 0}
    for trial in range(PUBLISH_TRIALS):
        prefix = f"trial-{trial}"
        direct = S3Storage(bucket, prefix, endpoint_url=s3_server)
        update = trial % 2 == 1  # odd trials publish a second version on top of a first
        if update:
            publish(direct, spec, packages("v1"))
        files = packages("v2" if update else "v1")
        # Every third trial breaks half the requests and barely retries, so that publishes also fail.
        hard = trial % 3 == 2
        proxy.configure(PUBLISH_FAULTS, rate=0.5 if hard else 0.25, seed=trial)
        try:
            result = publish(through(proxy, bucket, prefix, max_attempts=1 if hard else 5), spec, files)
            assert result.published
            outcomes["published"] += 1
        except WenshuError:  # a clean failure: the project's own error, nothing half-visible
            outcomes["failed cleanly"] += 1
        finally:
            proxy.configure([], rate=0, seed=0)
        assert_consistent(direct, tmp_path / "scratch")
        rerun = publish(direct, spec, files, run_id="rerun")
        assert rerun.version == ("1.1.0" if update else "1.0.0")
        index = assert_consistent(direct, tmp_path / "scratch")
        assert [e["status"] for e in index["versions"]] == ["published"] * (2 if update else 1)
    faults = sum(count for kind, count in proxy.counts.items() if kind != "pass")
    print(f"s3 faults, publish: {PUBLISH_TRIALS} trials, {faults} injected faults {dict(proxy.counts)}, outcomes {outcomes}")
    assert faults >= PUBLISH_TRIALS


def test_downloads_through_faults_never_accept_bad_bytes(
    proxy: FaultProxy, s3_bucket: str, s3_server: str, spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path
) -> None:
    bucket = s3_bucket.removeprefix("s3://")
    publish(S3Storage(bucket, "dl", endpoint_url=s3_server), spec, packages("v1"))
    good = {file.package_path: file.path.read_bytes() for file in packages("v1")}
    store = through(proxy, bucket, "dl")
    in_version = lambda method, path: f"/{DATASET}/1.0.0/" in path  # noqa: E731 - descriptor and data files
    outcomes = {"verified": 0, "refused (IntegrityError)": 0, "failed (StorageError)": 0}
    for trial in range(DOWNLOAD_TRIALS):
        before = proxy.counts["short"] + proxy.counts["flip"]
        proxy.configure(DOWNLOAD_FAULTS, rate=0.3, seed=100 + trial, applies=in_version)
        target = tmp_path / f"download-{trial}"
        try:
            folder = download(store, DATASET, target)
        except IntegrityError:
            outcomes["refused (IntegrityError)"] += 1
        except StorageError:
            outcomes["failed (StorageError)"] += 1
        else:
            outcomes["verified"] += 1
            assert proxy.counts["short"] + proxy.counts["flip"] == before, "a corrupted response was accepted"
            for path, data in good.items():
                assert (folder / path).read_bytes() == data
        finally:
            proxy.configure([], rate=0, seed=0)
        for path in target.rglob("*.*"):  # whatever is left on disk is a verified file or a partial prefix
            relative = path.relative_to(target / DATASET / "1.0.0").as_posix()
            if relative in good:
                assert good[relative].startswith(path.read_bytes()), f"bad bytes left in {path}"
        folder = download(store, DATASET, target)  # the retry resumes and completes
        assert all((folder / path).read_bytes() == data for path, data in good.items())
    proxy.configure(["short", "flip"], rate=1.0, seed=7, applies=in_version)
    audit = verify_store(store, tmp_path / "scratch")
    assert not audit.ok  # verify reports every corrupted read as a problem
    corrupted = proxy.counts["short"] + proxy.counts["flip"]
    print(
        f"s3 faults, download: {DOWNLOAD_TRIALS} trials, {dict(proxy.counts)}, outcomes {outcomes}, {corrupted} corruptions all caught"
    )
    assert outcomes["refused (IntegrityError)"] >= 1


def first_get_only() -> Callable[[str, str], bool]:
    remaining = iter([True])
    return lambda method, path: method == "GET" and next(remaining, False)


def test_a_cut_off_read_is_retried_and_a_download_resumed(
    proxy: FaultProxy, s3_bucket: str, s3_server: str, tmp_path: Path
) -> None:
    """botocore cannot retry a body cut off after the headers; the store does (resuming downloads)."""
    bucket = s3_bucket.removeprefix("s3://")
    data = bytes(range(256)) * 4096  # 1 MiB
    S3Storage(bucket, endpoint_url=s3_server).put("blob.bin", data)
    for fault in ("truncate", "stall", "reset"):
        proxy.configure([fault], rate=1.0, seed=1, applies=first_get_only())
        assert through(proxy, bucket, "").get("blob.bin") == data, fault
        proxy.configure([fault], rate=1.0, seed=1, applies=first_get_only())
        through(proxy, bucket, "").download_file("blob.bin", tmp_path / f"{fault}.bin")
        assert (tmp_path / f"{fault}.bin").read_bytes() == data, fault
    assert proxy.counts["truncate"] == 2 and proxy.counts["stall"] == 2 and proxy.counts["reset"] == 2
