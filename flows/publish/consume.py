"""The consumer side: list, audit and download published packages, trusting nothing unchecked.

Every file is checked against the ``bytes`` and ``hash`` its ``datapackage.json`` records, and
each descriptor against the sha256 that ``versions.json`` records for it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from flows import layout
from flows.checksums import sha256_file
from flows.errors import IntegrityError, PublishError
from flows.publish import pointers
from flows.publish.versioning import parse
from flows.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class Audit:
    checked_files: int = 0
    checked_versions: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def split_ref(ref: str) -> tuple[str, str | None]:
    """``dataset@version`` → (dataset, version); a bare name means the latest version."""
    dataset, _, version = ref.partition("@")
    layout.safe_name(dataset, "dataset")
    if version:
        layout.safe_version(version)
    return dataset, version or None


def list_datasets(store: Storage) -> dict[str, dict[str, Any]]:
    """Every dataset in the store with its ``versions.json``."""
    found = {}
    for key in store.list():
        if key.endswith("/versions.json") and key.count("/") == 1:
            dataset = key.split("/", 1)[0]
            found[dataset] = pointers.read_json(store, key) or pointers.empty_index(dataset)
    return found


def resolve_version(store: Storage, dataset: str, version: str | None) -> dict[str, Any]:
    index = pointers.read_json(store, layout.versions_index(dataset))
    if not index:
        raise PublishError(f"dataset {dataset!r} is not in the store {store.url}")
    if version is None:
        entry = pointers.newest_published(index)
        if entry is None:
            raise PublishError(f"dataset {dataset!r} has no published version")
        return entry
    for entry in index["versions"]:
        if entry["version"] == version:
            if entry["status"] != "published":
                raise PublishError(f"{dataset}@{version} is {entry['status']}: {entry.get('reason', 'not available')}")
            return entry
    raise PublishError(f"{dataset}@{version} does not exist; known: {', '.join(e['version'] for e in index['versions'])}")


def load_descriptor(store: Storage, dataset: str, entry: dict[str, Any]) -> dict[str, Any]:
    key = layout.descriptor(dataset, entry["version"])
    data = store.get(key)
    if hashlib.sha256(data).hexdigest() != entry["descriptor_sha256"]:
        raise IntegrityError(f"{key}: sha256 differs from the one recorded in versions.json")
    return orjson.loads(data)


def _expected(resource: dict[str, Any]) -> tuple[int, str]:
    return int(resource["bytes"]), str(resource["hash"]).removeprefix("sha256:")


def _stream_sha256(store: Storage, key: str, scratch: Path) -> tuple[int, str]:
    """Size and sha256 of a stored object (read through a temporary file for S3)."""
    from flows.storage import local_copy

    with local_copy(store, key, scratch) as path:
        return path.stat().st_size, sha256_file(path)


def verify_store(store: Storage, scratch: Path, ref: str | None = None) -> Audit:
    """Audit every published version (or just ``ref``): descriptors, files, sizes, hashes, latest."""
    audit = Audit()
    wanted_dataset, wanted_version = split_ref(ref) if ref else (None, None)  # before any storage call
    datasets = list_datasets(store)
    if wanted_dataset and wanted_dataset not in datasets:
        audit.problems.append(f"{wanted_dataset}: not in the store")
    for dataset, index in sorted(datasets.items()):
        if wanted_dataset and dataset != wanted_dataset:
            continue
        for entry in index["versions"]:
            if wanted_version and entry["version"] != wanted_version:
                continue
            if entry["status"] == "withdrawn":
                _check_withdrawn(store, dataset, entry["version"], audit)
            if entry["status"] != "published":
                continue
            audit.checked_versions += 1
            try:
                descriptor = load_descriptor(store, dataset, entry)
            except (KeyError, IntegrityError) as exc:
                audit.problems.append(f"{dataset}@{entry['version']}: descriptor: {exc}")
                continue
            for resource in package_items(descriptor):
                key = layout.package_file(dataset, entry["version"], resource["path"])
                audit.checked_files += 1
                try:
                    size, sha = _stream_sha256(store, key, scratch)
                except KeyError:
                    audit.problems.append(f"{key}: missing")
                    continue
                want_size, want_sha = _expected(resource)
                if (size, sha) != (want_size, want_sha):
                    audit.problems.append(f"{key}: {size} bytes sha256 {sha[:12]}…, expected {want_size} bytes {want_sha[:12]}…")
        _check_latest(store, dataset, index, audit)
    return audit


def package_items(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """Every file a descriptor vouches for: its resources, then its other ``files`` (changelog, citation)."""
    return [*descriptor["resources"], *descriptor.get("files", [])]


def _check_withdrawn(store: Storage, dataset: str, version: str, audit: Audit) -> None:
    """A withdrawn version keeps its tombstone and nothing else (else the takedown is unfinished)."""
    tombstone = layout.tombstone(dataset, version)
    left = [key for key in store.list(layout.version_prefix(dataset, version)) if key != tombstone]
    if not store.exists(tombstone):
        audit.problems.append(f"{dataset}@{version}: withdrawn but {tombstone} is missing; rerun the withdrawal")
    if left:
        audit.problems.append(
            f"{dataset}@{version}: withdrawn but {len(left)} files remain (e.g. {left[0]}); rerun the withdrawal"
        )


def _check_latest(store: Storage, dataset: str, index: dict[str, Any], audit: Audit) -> None:
    latest = pointers.read_json(store, layout.latest_pointer(dataset))
    newest = pointers.newest_published(index)
    if newest is None:
        return
    if latest is None:  # a publish interrupted after its version was marked published; a rerun writes it
        log.warning("%s: latest.json not written yet though %s is published", dataset, newest["version"])
        return
    published = {e["version"]: e for e in index["versions"] if e["status"] == "published"}
    if latest["version"] not in published:
        audit.problems.append(f"{dataset}: latest.json points at {latest['version']}, which is not published")
    elif latest.get("descriptor_sha256") != published[latest["version"]]["descriptor_sha256"]:
        audit.problems.append(
            f"{dataset}: latest.json records another descriptor sha256 for {latest['version']} than versions.json"
        )
    elif parse(latest["version"]) < parse(newest["version"]):
        log.warning("%s: latest.json (%s) lags the newest version %s", dataset, latest["version"], newest["version"])


def _table_of(resource_name: str) -> str:
    """``judgments-csv`` / ``judgments-parquet`` → ``judgments`` (``judgments-delta`` stays itself)."""
    return resource_name.removesuffix("-csv").removesuffix("-parquet")


def download(
    store: Storage,
    ref: str,
    to: Path,
    resources: list[str] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """Download ``dataset[@version]`` into ``to/<dataset>/<version>/``, verified; returns that folder.

    ``resources`` picks tables (``judgments`` gets both its formats; ``judgments-delta`` its
    delta); the package's other files (changelog, citation) always come along. Partial files are
    resumed from where they stopped; a file whose size or sha256 differs from the descriptor is
    deleted and refused with :class:`IntegrityError`. A withdrawn version is refused with its
    reason. ``on_progress(path, bytes, expected bytes)`` follows each verified file.
    """
    dataset, version = split_ref(ref)
    entry = resolve_version(store, dataset, version)
    descriptor = load_descriptor(store, dataset, entry)
    chosen = [r for r in descriptor["resources"] if not resources or _table_of(r["name"]) in resources or r["name"] in resources]
    if resources and not chosen:
        names = ", ".join(r["name"] for r in descriptor["resources"])
        raise PublishError(f"{dataset}@{entry['version']} has no resource {', '.join(resources)}; it has: {names}")
    target = to / dataset / entry["version"]
    for resource in [*chosen, *descriptor.get("files", [])]:
        key = layout.package_file(dataset, entry["version"], resource["path"])
        path = target.joinpath(*resource["path"].split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        want_size, want_sha = _expected(resource)
        have = path.stat().st_size if path.exists() else 0
        if have > want_size:
            path.unlink()
            have = 0
        if have < want_size:
            store.download_file(key, path, offset=have)
        size, sha = path.stat().st_size, sha256_file(path)
        if (size, sha) != (want_size, want_sha):
            path.unlink()
            raise IntegrityError(
                f"{key}: downloaded {size} bytes with sha256 {sha}, expected {want_size} bytes {want_sha}; file removed"
            )
        if on_progress:
            on_progress(resource["path"], size, want_size)
    kept = {**descriptor, "resources": chosen}
    (target / "datapackage.json").write_bytes(pointers.dumps(kept))
    return target
