"""One changed byte in any published file is reported by verify and refused by download."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from faultkit import DATASET, Files, publish

from flows import layout
from flows.errors import IntegrityError
from flows.publish import pointers
from flows.publish.consume import download, verify_store
from flows.publish.datasets import DatasetSpec
from flows.storage import Storage
from flows.storage.local import LocalStorage


def published_files(store: Storage) -> list[str]:
    """Every published descriptor and every file it lists."""
    keys = []
    for entry in pointers.read_json(store, layout.versions_index(DATASET))["versions"]:
        descriptor = layout.descriptor(DATASET, entry["version"])
        keys.append(descriptor)
        package = pointers.read_json(store, descriptor)
        for resource in [*package["resources"], *package.get("files", [])]:
            keys.append(layout.package_file(DATASET, entry["version"], resource["path"]))
    return keys


def positions(size: int, extra: int, seed: str) -> list[int]:
    """First, middle and last byte plus ``extra`` random ones (``extra < 0``: the middle only)."""
    if extra < 0:
        return [size // 2]
    rng = random.Random(seed)
    return sorted({0, size // 2, size - 1, *(rng.randrange(size) for _ in range(extra))})


def tamper_each_byte_class(store: Storage, tmp_path: Path, extra: int) -> int:
    """Flip one byte at several positions of every published file; each must be caught. Returns trials."""
    trials = 0
    for key in published_files(store):
        original = store.get(key)
        version = key.split("/")[1]
        for position in positions(len(original), extra, key):
            changed = bytearray(original)
            changed[position] ^= 0x01
            store.put(key, bytes(changed))  # the attacker (or a bad disk) writes behind our back
            audit = verify_store(store, tmp_path / "scratch")
            assert not audit.ok and any(key in problem for problem in audit.problems), (key, position, audit.problems)
            target = tmp_path / f"download-{trials}"
            with pytest.raises(IntegrityError):
                download(store, f"{DATASET}@{version}", target)
            for path in target.rglob("*"):  # nothing unverified is left behind
                if path.is_file() and path.name != "datapackage.json":
                    assert path.read_bytes() != bytes(changed), path
            assert not (target / DATASET / version / "datapackage.json").exists()
            trials += 1
        store.put(key, original)
    assert verify_store(store, tmp_path / "scratch").ok
    return trials


def publish_two_versions(store: Storage, spec: DatasetSpec, packages: Callable[[str], Files]) -> None:
    publish(store, spec, packages("v1"))
    publish(store, spec, packages("v2"))


def test_one_changed_byte_anywhere_is_caught_locally(spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "store")
    publish_two_versions(store, spec, packages)
    trials = tamper_each_byte_class(store, tmp_path, extra=3)
    assert trials >= 40
    print(f"tampering local: {trials} trials, {trials} caught")


def test_one_changed_byte_anywhere_is_caught_on_s3(
    spec: DatasetSpec, packages: Callable[[str], Files], s3_bucket: str, tmp_path: Path
) -> None:
    from flows.storage.s3 import S3Storage

    store = S3Storage.from_url(f"{s3_bucket}/tamper")
    publish_two_versions(store, spec, packages)
    trials = tamper_each_byte_class(store, tmp_path, extra=-1)
    print(f"tampering s3: {trials} trials, {trials} caught")


def test_latest_pointer_with_a_changed_hash_is_reported(
    spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path
) -> None:
    store = LocalStorage(tmp_path / "store")
    publish(store, spec, packages("v1"))
    key = layout.latest_pointer(DATASET)
    latest = pointers.read_json(store, key)
    store.put(key, pointers.dumps({**latest, "descriptor_sha256": "0" * 64}))
    audit = verify_store(store, tmp_path / "scratch")
    assert not audit.ok and any("latest.json" in problem for problem in audit.problems)


def test_a_corrupt_partial_download_is_refused_then_redone(
    spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path
) -> None:
    store = LocalStorage(tmp_path / "store")
    publish(store, spec, packages("v1"))
    target = tmp_path / "out"
    folder = download(store, DATASET, target)
    csv = folder / "data" / "cases.csv"
    good = csv.read_bytes()
    csv.write_bytes(b"X" + good[1 : len(good) // 2])  # a bad prefix, as if a previous run was corrupted
    with pytest.raises(IntegrityError):
        download(store, DATASET, target)
    assert not csv.exists()
    download(store, DATASET, target)  # the next attempt starts over and succeeds
    assert csv.read_bytes() == good
