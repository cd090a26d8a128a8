"""Withdraw a published version (a takedown): its files go, a tombstone with the reason stays.

Order, each step safe to interrupt and to repeat (rerun the same withdrawal to finish it):

1. ``<dataset>/<version>/TOMBSTONE.json`` is written if absent: reason, time, and the size and
   sha256 of every file the version had, so holders of a copy can tell what it was;
2. the entry in ``versions.json`` becomes ``withdrawn`` with the reason (CAS), and
   ``last_successful`` moves to the newest version still published;
3. ``latest.json`` moves back to that version (or is removed if none is left);
4. every other file of the version folder is deleted;
5. catalog, pages and feeds are regenerated (the feeds announce the withdrawal).

Consumers are refused from step 2 on: :func:`flows.publish.consume.resolve_version` reports the
reason, and ``verify`` checks the tombstone instead of the files.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flows import layout
from flows.errors import PublishError
from flows.publish import pointers
from flows.storage import Storage

log = logging.getLogger(__name__)


def withdraw(store: Storage, dataset: str, version: str, reason: str) -> dict[str, Any]:
    """Withdraw ``dataset@version`` for ``reason``; returns its updated ``versions.json`` entry."""
    from flows.publish.publisher import finish_pointers

    layout.safe_version(version)
    reason = " ".join(reason.split())
    if not reason:
        raise PublishError("a withdrawal needs a reason (it is published in the tombstone and the feeds)")
    index = pointers.read_json(store, layout.versions_index(dataset))
    entry = next((e for e in (index or {}).get("versions", []) if e["version"] == version), None)
    if entry is None or entry["status"] not in ("published", "withdrawn"):
        state = "does not exist" if entry is None else f"is {entry['status']}, not published"
        raise PublishError(f"{dataset}@{version} {state}: nothing to withdraw")
    withdrawn_at = entry.get("withdrawn_at") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    reason = entry.get("reason") or reason
    store.put_if_absent(
        layout.tombstone(dataset, version), pointers.dumps(_tombstone(store, dataset, entry, reason, withdrawn_at))
    )
    updated = _mark_withdrawn(store, dataset, version, reason, withdrawn_at)
    pointers.sync_latest(store, dataset)
    tombstone = layout.tombstone(dataset, version)
    for key in list(store.list(layout.version_prefix(dataset, version))):
        if key != tombstone:
            store.delete(key)
    finish_pointers(store, dataset)
    log.info("withdrew dataset=%s version=%s reason=%r", dataset, version, reason)
    return updated


def _tombstone(store: Storage, dataset: str, entry: dict[str, Any], reason: str, withdrawn_at: str) -> dict[str, Any]:
    descriptor = pointers.read_json(store, layout.descriptor(dataset, entry["version"])) or {}
    described = [*descriptor.get("resources", []), *descriptor.get("files", [])]
    return {
        "dataset": dataset,
        "version": entry["version"],
        "status": "withdrawn",
        "reason": reason,
        "withdrawn_at": withdrawn_at,
        "published_at": entry.get("published_at"),
        "descriptor_sha256": entry.get("descriptor_sha256"),
        "files": [{"path": f["path"], "bytes": f["bytes"], "hash": f["hash"]} for f in described],
    }


def _mark_withdrawn(store: Storage, dataset: str, version: str, reason: str, withdrawn_at: str) -> dict[str, Any]:
    marked: dict[str, Any] = {}

    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        if current is None:
            raise PublishError(f"{dataset}/versions.json vanished during the withdrawal")
        index = pointers.with_entry_updated(
            current,
            lambda entry: entry["version"] == version,
            {"status": "withdrawn", "reason": reason, "withdrawn_at": withdrawn_at},
        )
        marked.update(next(entry for entry in index["versions"] if entry["version"] == version))
        return index

    pointers.update_json(store, layout.versions_index(dataset), change)
    return marked
