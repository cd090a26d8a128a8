"""The store's mutable JSON documents — ``versions.json``, ``latest.json``, ``catalog.json`` —
each replaced only by compare-and-swap, in a read–modify–write loop that retries on conflict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from flows import layout
from flows.errors import PublishError
from flows.publish.versioning import parse
from flows.storage import Storage

MAX_ATTEMPTS = 50


def dumps(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def read_json(store: Storage, key: str) -> Any | None:
    found = store.get_versioned(key)
    return orjson.loads(found.data) if found else None


def update_json(store: Storage, key: str, change: Callable[[Any | None], Any | None]) -> Any | None:
    """Apply ``change`` to the current document and CAS the result; retry until it sticks.

    ``change`` returns the new document, or None to leave the key as it is.
    """
    for _ in range(MAX_ATTEMPTS):
        found = store.get_versioned(key)
        current = orjson.loads(found.data) if found else None
        updated = change(current)
        if updated is None or updated == current:
            return current
        if store.compare_and_swap(key, dumps(updated), found.token if found else None):
            return updated
    raise PublishError(f"{key}: gave up after {MAX_ATTEMPTS} conflicting concurrent updates; rerun the publish")


def empty_index(dataset: str) -> dict[str, Any]:
    return {"dataset": dataset, "last_successful": None, "versions": []}


def with_entry_updated(
    index: dict[str, Any], matches: Callable[[dict[str, Any]], bool], changes: dict[str, Any]
) -> dict[str, Any]:
    """``index`` with ``changes`` applied to the matching entries and ``last_successful`` recomputed."""
    updated = {**index, "versions": [{**entry, **changes} if matches(entry) else entry for entry in index["versions"]]}
    newest = newest_published(updated)
    updated["last_successful"] = newest["version"] if newest else None
    return updated


def newest_published(index: dict[str, Any]) -> dict[str, Any] | None:
    published = [entry for entry in index["versions"] if entry["status"] == "published"]
    return max(published, key=lambda entry: parse(entry["version"])) if published else None


def sync_latest(store: Storage, dataset: str) -> dict[str, Any] | None:
    """Point ``latest.json`` at the newest published version in ``versions.json``.

    It never moves back past a newer version that is still published (a slower concurrent
    publisher); it does move back when that version was withdrawn, and is removed when no
    version is left.
    """
    index = read_json(store, layout.versions_index(dataset)) or empty_index(dataset)
    newest = newest_published(index)
    key = layout.latest_pointer(dataset)
    if newest is None:  # every version withdrawn: no latest at all rather than one that 404s
        current = read_json(store, key)
        if current is not None and not _still_published(store, dataset, current["version"]):
            store.delete(key)
        return None
    target = {
        "dataset": dataset,
        "version": newest["version"],
        "path": f"{newest['version']}/datapackage.json",
        "descriptor_sha256": newest["descriptor_sha256"],
        "published_at": newest["published_at"],
    }

    def change(current: Any | None) -> Any | None:
        if current is None or parse(current["version"]) <= parse(target["version"]):
            return target
        return None if _still_published(store, dataset, current["version"]) else target

    return update_json(store, key, change)


def _still_published(store: Storage, dataset: str, version: str) -> bool:
    index = read_json(store, layout.versions_index(dataset)) or empty_index(dataset)
    return any(e["version"] == version and e["status"] == "published" for e in index["versions"])
