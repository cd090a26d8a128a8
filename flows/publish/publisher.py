"""Publish one dataset version to the store, so that no reader ever sees half of it.

Order of writes, each safe to interrupt and to repeat:

1. claim the version: a ``publishing`` entry is added to ``versions.json`` by CAS, so two
   publishers never write the same version folder; a rerun with the same content resumes
   its own unfinished claim;
2. data files, written if absent (an existing file must match byte for byte);
3. ``datapackage.json``, listing sizes and sha256 of every file;
4. the entry flips to ``published`` (CAS), then ``latest.json`` follows, then the derived
   store files (``catalog.json``, ``index.html``, ``<dataset>/index.html``, ``feed.xml``,
   ``feed.json``), each regenerated from ``versions.json`` and replaced by CAS.

Step 2 writes, besides the tables, the version's row-level deltas against its predecessor
(``data/deltas/<table>.parquet``), ``CHANGELOG.md`` and ``CITATION.cff``; all are pure
functions of the claimed entry and the two versions' tables, so a resumed claim rewrites
nothing. The predecessor is the newest published version when the claim is made, recorded as
``previous`` in the entry.
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
from flows.publish.deltas import Delta
from flows.publish.descriptor import package_descriptor, resource_descriptor
from flows.publish.export import ExportedFile
from flows.publish.history import PackageFile, compute_deltas, delta_resources, package_files
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
    store: Storage, spec: DatasetSpec, states: dict[str, TableState], run_id: str, basis: tuple[str | None, dict[str, int]]
) -> dict[str, Any]:
    """Reserve a version number for ``states`` (or find our unfinished claim).

    ``basis`` is (the version the deltas were computed against, rows added per table); the added
    rows decide MINOR vs PATCH only if that version is still the newest published one. Returns
    ``kind`` (None if unchanged), ``entry`` (the claimed one) and ``previous_entry``.
    """
    key = layout.versions_index(spec.name)
    tables = {name: {"rows": s.rows, "content_hash": s.content_hash, "fields": s.fields} for name, s in states.items()}
    outcome: dict[str, Any] = {}

    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        index = current or pointers.empty_index(spec.name)
        previous = pointers.newest_published(index)
        added = basis[1] if previous and previous["version"] == basis[0] else None
        kind = change_kind(states_of(previous) if previous else None, states, added)
        outcome.clear()
        outcome["kind"] = kind
        if kind is None:
            return None
        for entry in index["versions"]:
            if entry["status"] == "publishing" and entry["tables"] == tables:
                outcome["entry"] = entry  # resume an interrupted publish of the same content
                outcome["previous_entry"] = _entry(index, entry.get("previous"))
                return None
        taken = {entry["version"] for entry in index["versions"]}
        version = next_free(previous["version"] if previous else "0.0.0", kind, taken)
        entry = {
            "version": version,
            "status": "publishing",
            "change": kind,
            "previous": previous["version"] if previous else None,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "run_id": run_id,
            "claim": uuid.uuid4().hex,
            "tables": tables,
            "rows": {name: s.rows for name, s in states.items()},
        }
        outcome["entry"], outcome["previous_entry"] = entry, previous
        return {**index, "versions": [*index["versions"], entry]}

    pointers.update_json(store, key, change)
    return outcome


def _entry(index: dict[str, Any], version: str | None) -> dict[str, Any] | None:
    return next((entry for entry in index["versions"] if entry["version"] == version), None)


def _put_bytes_checked(store: Storage, key: str, data: bytes) -> None:
    if not store.put_if_absent(key, data) and store.get(key) != data:
        raise PublishError(f"{key} already exists with different content; the version folder is not ours to change")


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
    charts: list[PackageFile] | None = None,
) -> PublishResult:
    """Publish ``files`` as the next version of ``spec`` unless their content is already latest.

    ``files`` are the local exports (under ``<work>/data/``); deltas are computed beside them.
    ``charts`` (rendered from the same marts, so a pure function of the tables) are listed
    under ``files`` with the changelog and citation; they alone never make a new version.
    """
    states = table_states(files, schemas)
    work = files[0].path.parents[1]
    newest = pointers.newest_published(
        pointers.read_json(store, layout.versions_index(spec.name)) or pointers.empty_index(spec.name)
    )
    deltas: dict[str, Delta | None] = {}
    if newest and change_kind(states_of(newest), states) is not None:
        deltas = compute_deltas(store, spec.name, newest, files, schemas, work, upstream_flags(spec), content_hashes(spec))
    added = {table: delta.counts["added"] for table, delta in deltas.items() if delta}
    outcome = _claim(store, spec, states, run_id, (newest["version"] if newest else None, added))
    entry = outcome.get("entry")
    result = PublishResult(spec.name, None, False, outcome["kind"], {n: s.rows for n, s in states.items()}, store_url=store.url)
    if entry is None:
        index = pointers.read_json(store, layout.versions_index(spec.name)) or pointers.empty_index(spec.name)
        latest = pointers.newest_published(index)
        result.version = latest["version"] if latest else None
        finish_pointers(store, spec.name)
        log.info("unchanged dataset=%s version=%s: nothing to publish", spec.name, result.version)
        return result
    version, previous = entry["version"], entry.get("previous")
    result.change = entry["change"]
    previous_entry = outcome.get("previous_entry")
    if previous != (newest["version"] if newest else None):  # someone published in between
        deltas = (
            compute_deltas(store, spec.name, previous_entry, files, schemas, work, upstream_flags(spec), content_hashes(spec))
            if previous_entry
            else {}
        )
    formats: dict[str, list[str]] = {r.name: list(r.formats) for r in spec.resources}
    resources = []
    for file in files:
        _put_checked(store, layout.package_file(spec.name, version, file.package_path), file)
        resources.append(
            resource_descriptor(file, formats[file.resource], schemas[file.resource], descriptions.get(file.resource, ""))
        )
        result.files.append(file.package_path)
    for table, delta in sorted(deltas.items()):
        if delta is not None:
            store_path = layout.delta_path(table)
            _put_checked(store, layout.package_file(spec.name, version, store_path), _as_export(table, delta, store_path))
            result.files.append(store_path)
    if previous:
        resources += delta_resources(deltas, schemas, previous)
    created = datetime.strptime(entry["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    extras = package_files(spec, entry, previous_entry, deltas, created) + list(charts or [])
    for extra in extras:
        _put_bytes_checked(store, layout.package_file(spec.name, version, extra.path), extra.data)
        result.files.append(extra.path)
    descriptor = pointers.dumps(
        package_descriptor(spec, version, created, resources, {"files": [extra.entry() for extra in extras]})
    )
    _put_bytes_checked(store, layout.descriptor(spec.name, version), descriptor)
    counts = {table: delta.counts for table, delta in deltas.items() if delta}
    _mark_published(store, spec.name, entry["claim"], hashlib.sha256(descriptor).hexdigest(), counts)
    finish_pointers(store, spec.name)
    result.version, result.published = version, True
    log.info("published dataset=%s version=%s change=%s files=%d", spec.name, version, entry["change"], len(result.files))
    return result


def upstream_flags(spec: DatasetSpec) -> dict[str, str]:
    return {r.name: r.upstream_flag for r in spec.resources if r.upstream_flag}


def content_hashes(spec: DatasetSpec) -> dict[str, dict[str, str]]:
    return {r.name: r.content_hashes for r in spec.resources if r.content_hashes}


def _as_export(table: str, delta: Delta, package_path: str) -> ExportedFile:
    return ExportedFile(f"{table}-delta", "parquet", delta.path, package_path, delta.bytes, delta.sha256, delta.rows)


def _mark_published(store: Storage, dataset: str, claim: str, descriptor_sha256: str, deltas: dict[str, dict[str, int]]) -> None:
    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        if current is None:
            raise PublishError(f"{dataset}/versions.json vanished while publishing")
        published_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        changes = {"status": "published", "descriptor_sha256": descriptor_sha256, "deltas": deltas, "published_at": published_at}
        return pointers.with_entry_updated(current, lambda entry: entry.get("claim") == claim, changes)

    pointers.update_json(store, layout.versions_index(dataset), change)


def finish_pointers(store: Storage, dataset: str) -> None:
    """Bring ``latest.json``, then the catalog, pages and feeds in line with ``versions.json`` (idempotent)."""
    from flows.publish.site import refresh_site

    pointers.sync_latest(store, dataset)
    refresh_site(store)
