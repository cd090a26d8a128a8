"""What the catalog, the pages and the feeds show, read from the store's own documents.

Only ``versions.json`` and the latest version's verified ``datapackage.json`` are read (plus a
few preview rows of published Parquet files): nothing outside the public store ever reaches a
page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from flows import layout
from flows.errors import IntegrityError
from flows.publish import pointers
from flows.publish.consume import list_datasets, load_descriptor
from flows.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class Download:
    label: str  # csv, parquet, delta
    path: str  # relative to the dataset page
    bytes: int
    sha256: str
    url: str  # absolute, for one-line loading snippets


@dataclass
class TableView:
    name: str
    description: str
    rows: int | None
    fields: list[dict[str, Any]]
    primary_key: list[str]
    downloads: list[Download] = field(default_factory=list)
    preview_uri: str | None = None  # a Parquet file DuckDB can read
    preview: tuple[list[str], list[list[str]]] | None = None


@dataclass
class ChartView:
    title: str
    image: Download
    data: Download | None  # the CSV of the plotted numbers


@dataclass
class DatasetView:
    name: str
    index: dict[str, Any]  # versions.json
    latest: dict[str, Any] | None  # its newest published entry
    descriptor: dict[str, Any] = field(default_factory=dict)
    tables: list[TableView] = field(default_factory=list)
    files: list[Download] = field(default_factory=list)
    charts: list[ChartView] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.descriptor.get("title", self.name))

    @property
    def versions(self) -> list[dict[str, Any]]:
        """Every finished version, newest first (unfinished claims are nobody's business)."""
        done = [e for e in self.index["versions"] if e["status"] in ("published", "withdrawn")]
        return sorted(done, key=lambda e: tuple(int(p) for p in e["version"].split(".")), reverse=True)


def _table_name(resource: dict[str, Any]) -> str:
    return str(PurePosixPath(resource["path"]).stem)


def dataset_view(store: Storage, name: str, index: dict[str, Any]) -> DatasetView:
    view = DatasetView(name, index, pointers.newest_published(index))
    if view.latest is None:
        return view
    version = view.latest["version"]
    try:
        view.descriptor = load_descriptor(store, name, view.latest)
    except (KeyError, IntegrityError) as exc:
        log.warning("dataset=%s version=%s: descriptor unreadable for the pages: %s", name, version, exc)
        return view
    tables: dict[str, TableView] = {}
    for resource in view.descriptor["resources"]:
        is_delta = resource["name"].endswith("-delta")
        table = _table_name(resource)
        key = layout.package_file(name, version, resource["path"])
        if table not in tables:
            schema = resource.get("schema", {})
            tables[table] = TableView(table, resource.get("description", ""), view.latest.get("rows", {}).get(table),
                                      schema.get("fields", []), list(schema.get("primaryKey", [])))  # fmt: skip
        target = tables[table]
        label = "delta" if is_delta else resource.get("format", "file")
        target.downloads.append(_download(store, key, label, version, resource))
        if label == "parquet":
            target.preview_uri = store.duckdb_uri(key)
    view.tables = list(tables.values())
    files = {f["path"]: f for f in view.descriptor.get("files", [])}
    downloads = {path: _download(store, layout.package_file(name, version, path), path, version, f) for path, f in files.items()}
    for path, described in files.items():
        if path.startswith("charts/") and path.endswith(".png"):
            data = downloads.get(path.removesuffix(".png") + ".csv")
            view.charts.append(ChartView(str(described.get("description", "")), downloads[path], data))
    view.files = [download for path, download in downloads.items() if not path.startswith("charts/")]
    return view


def _download(store: Storage, key: str, label: str, version: str, described: dict[str, Any]) -> Download:
    url = store.public_url(key)
    if url.startswith("file://"):
        url = store.duckdb_uri(key)  # a plain path reads everywhere (DuckDB, pandas, R)
    return Download(label, f"{version}/{described['path']}", int(described["bytes"]),
                    str(described["hash"]).removeprefix("sha256:"), url)  # fmt: skip


def store_views(store: Storage) -> list[DatasetView]:
    return [dataset_view(store, name, index) for name, index in sorted(list_datasets(store).items())]
