"""Publish one dataset version to the store, so that no reader ever sees half of it.

Order of writes, each safe to interrupt and to repeat:

1. claim the version: a ``publishing`` entry is added to ``versions.json`` by CAS, so two
   publishers never write the same version folder; a rerun with the same content resumes
   its own unfinished claim;
2. data files, written if absent (an existing file must match byte for byte);
3. ``datapackage.json``, listing sizes and sha256 of every file;
4. the entry flips to ``published`` (CAS), then ``latest.json`` and ``catalog.json`` follow.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flows import layout
from flows.errors import PublishError
from flows.publish import pointers
from flows.publish.datasets import DatasetSpec
from flows.publish.descriptor import package_descriptor
from flows.publish.export import ExportedFile
from flows.publish.versioning import TableState, change_kind, next_free, states_of
from flows.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class PublishResult:
    dataset: str
    version: str | None
    published: bool
    change: str | None
    tables: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    store_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def table_states(files: list[ExportedFile], schemas: dict[str, dict[str, Any]]) -> dict[str, TableState]:
    """Per resource: rows, content hash (of the Parquet export, else the first format), field types."""
    states: dict[str, TableState] = {}
    for file in sorted(files, key=lambda f: (f.resource, f.fmt != "parquet")):
        if file.resource not in states:
            fields = {f["name"]: f["type"] for f in schemas[file.resource]["fields"]}
            states[file.resource] = TableState(rows=file.rows, content_hash=f"sha256:{file.sha256}", fields=fields)
    return states


def _claim(
    store: Storage, spec: DatasetSpec, states: dict[str, TableState], run_id: str
) -> tuple[dict[str, Any] | None, str | None]:
    """Reserve a version number for ``states`` (or find our unfinished claim); None if unchanged."""
    key = layout.versions_index(spec.name)
    tables = {name: {"rows": s.rows, "content_hash": s.content_hash, "fields": s.fields} for name, s in states.items()}
    outcome: dict[str, Any] = {}

    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        index = current or pointers.empty_index(spec.name)
        previous = pointers.newest_published(index)
        kind = change_kind(states_of(previous) if previous else None, states)
        outcome.clear()
        outcome["kind"] = kind
        if kind is None:
            return None
        for entry in index["versions"]:
            if entry["status"] == "publishing" and entry["tables"] == tables:
                outcome["entry"] = entry  # resume an interrupted publish of the same content
                return None
        taken = {entry["version"] for entry in index["versions"]}
        version = next_free(previous["version"] if previous else "0.0.0", kind, taken)
        entry = {
            "version": version,
            "status": "publishing",
            "change": kind,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "run_id": run_id,
            "claim": uuid.uuid4().hex,
            "tables": tables,
            "rows": {name: s.rows for name, s in states.items()},
        }
        outcome["entry"] = entry
        return {**index, "versions": [*index["versions"], entry]}

    pointers.update_json(store, key, change)
    return outcome.get("entry"), outcome.get("kind")


def _put_checked(store: Storage, key: str, file: ExportedFile) -> None:
    if store.put_file_if_absent(key, file.path):
        return
    if store.size(key) != file.bytes or hashlib.sha256(store.get(key)).hexdigest() != file.sha256:
        raise PublishError(f"{key} already exists with different content; the version folder is not ours to change")


def publish_dataset(
    store: Storage,
    spec: DatasetSpec,
    files: list[ExportedFile],
    schemas: dict[str, dict[str, Any]],
    descriptions: dict[str, str],
    run_id: str,
) -> PublishResult:
    """Publish ``files`` as the next version of ``spec`` unless their content is already latest."""
    from flows.publish.descriptor import resource_descriptor

    states = table_states(files, schemas)
    entry, kind = _claim(store, spec, states, run_id)
    result = PublishResult(spec.name, None, False, kind, {n: s.rows for n, s in states.items()}, store_url=store.url)
    if entry is None:
        index = pointers.read_json(store, layout.versions_index(spec.name)) or pointers.empty_index(spec.name)
        newest = pointers.newest_published(index)
        result.version = newest["version"] if newest else None
        finish_pointers(store, spec.name)
        log.info("unchanged dataset=%s version=%s: nothing to publish", spec.name, result.version)
        return result
    version = entry["version"]
    formats: dict[str, list[str]] = {r.name: list(r.formats) for r in spec.resources}
    resources = []
    for file in files:
        _put_checked(store, layout.package_file(spec.name, version, file.package_path), file)
        resources.append(
            resource_descriptor(file, formats[file.resource], schemas[file.resource], descriptions.get(file.resource, ""))
        )
        result.files.append(file.package_path)
    created = datetime.strptime(entry["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    descriptor = pointers.dumps(package_descriptor(spec, version, created, resources, {}))
    descriptor_key = layout.descriptor(spec.name, version)
    if not store.put_if_absent(descriptor_key, descriptor) and store.get(descriptor_key) != descriptor:
        raise PublishError(f"{descriptor_key} already exists with different content")
    _mark_published(store, spec.name, entry["claim"], hashlib.sha256(descriptor).hexdigest())
    finish_pointers(store, spec.name)
    result.version, result.published = version, True
    log.info("published dataset=%s version=%s change=%s files=%d", spec.name, version, kind, len(files))
    return result


def _mark_published(store: Storage, dataset: str, claim: str, descriptor_sha256: str) -> None:
    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        if current is None:
            raise PublishError(f"{dataset}/versions.json vanished while publishing")
        versions = []
        for entry in current["versions"]:
            if entry.get("claim") == claim:
                entry = {**entry, "status": "published", "descriptor_sha256": descriptor_sha256,
                         "published_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
            versions.append(entry)
        index = {**current, "versions": versions}
        newest = pointers.newest_published(index)
        index["last_successful"] = newest["version"] if newest else None
        return index

    pointers.update_json(store, layout.versions_index(dataset), change)


def finish_pointers(store: Storage, dataset: str) -> None:
    """Bring ``latest.json`` and ``catalog.json`` in line with ``versions.json`` (idempotent)."""
    latest = pointers.sync_latest(store, dataset)
    summary = None
    if latest:
        descriptor = pointers.read_json(store, layout.descriptor(dataset, latest["version"])) or {}
        summary = {
            "name": dataset,
            "title": descriptor.get("title", dataset),
            "version": latest["version"],
            "path": f"{dataset}/{latest['path']}",
            "published_at": latest["published_at"],
            "resources": [r["name"] for r in descriptor.get("resources", [])],
        }
    pointers.sync_catalog(store, dataset, summary)
