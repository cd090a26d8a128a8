"""The store's front door: ``catalog.json``, ``index.html``, a page per dataset, Atom and JSON feeds.

All of it is derived from ``versions.json`` and the latest descriptors, regenerated after every
publish and withdrawal, and written after ``latest.json`` by compare-and-swap: a writer that
loses the race renders again from what is now in the store, so the last writer shows the newest
state. Links are relative (pages work from a local folder and from a bucket); every value is
HTML-escaped by jinja2's autoescape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flows import layout
from flows.errors import PublishError
from flows.publish import pointers
from flows.publish.site.feeds import atom_feed, events, json_feed
from flows.publish.site.model import DatasetView, store_views
from flows.publish.site.preview import preview_rows
from flows.storage import Storage

log = logging.getLogger(__name__)

CATALOG_NAME = "wenshu-open-archive"
CATALOG_TITLE = "Wenshu Open Archive"


def catalog_document(views: list[DatasetView]) -> dict[str, Any]:
    """A Frictionless catalog: every dataset with a published version, pointing at its latest package."""
    datasets = []
    for view in views:
        if view.latest is None:
            continue
        package = f"{view.name}/{view.latest['version']}/datapackage.json"
        datasets.append({
            "name": view.name,
            "title": view.title,
            "description": view.descriptor.get("description", ""),
            "version": view.latest["version"],
            "path": package,
            "package": package,
            "page": layout.dataset_page(view.name),
            "versions": layout.versions_index(view.name),
            "published_at": view.latest["published_at"],
            "rows": view.latest.get("rows", {}),
            "licenses": view.descriptor.get("licenses", []),
            "resources": [r["name"] for r in view.descriptor.get("resources", [])],
        })  # fmt: skip
    return {"name": CATALOG_NAME, "title": CATALOG_TITLE, "datasets": datasets}


def replace_document(store: Storage, key: str, render: Callable[[bool], bytes]) -> bool:
    """CAS ``render(True)`` into ``key``, retrying when another writer got there first.

    The state is re-read after the current document is read, on every attempt: a snapshot
    taken earlier could be older than what a faster publisher already wrote, and the CAS
    would then roll the document back. Returns False when the stored document is already
    the rendered one (nothing written).
    """
    for _ in range(pointers.MAX_ATTEMPTS):
        found = store.get_versioned(key)
        data = render(True)
        if found is not None and found.data == data:
            return False
        if store.compare_and_swap(key, data, found.token if found else None):
            return True
    raise PublishError(f"{key}: gave up after {pointers.MAX_ATTEMPTS} conflicting concurrent updates; rerun the publish")


class _Snapshot:
    """The store's views, re-read only when a write lost a race; previews read once per version."""

    def __init__(self, store: Storage):
        self.store = store
        self.previews: dict[tuple[str, str], Any] = {}
        self.views = self._read()

    def _read(self) -> list[DatasetView]:
        views = store_views(self.store)
        for view in views:
            for table in view.tables:
                if table.preview_uri:
                    known = (view.name, table.preview_uri)
                    if known not in self.previews:
                        self.previews[known] = preview_rows(table.preview_uri, [f["name"] for f in table.fields])
                    table.preview = self.previews[known]
        return views

    def get(self, stale: bool) -> list[DatasetView]:
        if stale:
            self.views = self._read()
        return self.views


def refresh_site(store: Storage) -> None:
    """Regenerate the catalog, pages and feeds from the store's current ``versions.json`` files."""
    from flows.publish.site.pages import dataset_page, index_page

    base_url = store.public_url(layout.INDEX_HTML).removesuffix(layout.INDEX_HTML)
    snapshot = _Snapshot(store)
    replace_document(store, layout.CATALOG, lambda stale: pointers.dumps(catalog_document(snapshot.get(stale))))
    replace_document(store, layout.INDEX_HTML, lambda stale: index_page(snapshot.get(stale)))
    for name in [view.name for view in snapshot.views]:

        def render_page(stale: bool, name: str = name) -> bytes:
            return dataset_page(next(view for view in snapshot.get(stale) if view.name == name))

        replace_document(store, layout.dataset_page(name), render_page)
    replace_document(store, layout.FEED_XML, lambda stale: atom_feed(events(snapshot.get(stale)), base_url))
    replace_document(store, layout.FEED_JSON, lambda stale: json_feed(events(snapshot.get(stale)), base_url))
    log.info("site refreshed store=%s datasets=%d", store.url, len(snapshot.views))
