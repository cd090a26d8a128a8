"""What a new version says about its past: deltas against its predecessor, changelog, citation.

The predecessor's Parquet files are read where they are published (the store folder itself, or
a temporary download from S3). Everything here is a pure function of the version's entry in
``versions.json`` and the two versions' tables, so a resumed publish produces the same bytes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows import layout
from flows.publish.changelog import render_changelog
from flows.publish.citation import citation_cff
from flows.publish.datasets import DatasetSpec
from flows.publish.deltas import Delta, compute_delta, delta_schema
from flows.publish.descriptor import delta_descriptor, file_entry
from flows.publish.export import ExportedFile
from flows.storage import Storage, local_copy

if TYPE_CHECKING:  # matplotlib is imported only where charts are drawn
    from flows.charts.render import RenderedChart

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackageFile:
    """A non-table file of a version folder, rendered in memory."""

    path: str  # package-relative
    data: bytes
    mediatype: str
    description: str

    def entry(self) -> dict[str, Any]:
        return file_entry(self.path, len(self.data), hashlib.sha256(self.data).hexdigest(), self.mediatype, self.description)


def compute_deltas(
    store: Storage,
    dataset: str,
    previous_entry: dict[str, Any],
    files: list[ExportedFile],
    schemas: dict[str, dict[str, Any]],
    work: Path,
    upstream_flags: dict[str, str] | None = None,
    content_hashes: dict[str, dict[str, str]] | None = None,
) -> dict[str, Delta | None]:
    """Per changed table with a Parquet export: its delta against ``previous_entry``'s version.

    Tables whose content hash is unchanged get no delta (nothing happened to them); a table whose
    primary key is not in both versions gets None (not comparable by key). ``upstream_flags``
    names, per table, the column whose flips the delta labels removed / reappeared upstream;
    ``content_hashes``, per table, the columns compared by a hash column (see :mod:`deltas`).
    """
    previous = previous_entry["version"]
    old_hashes = {table: state["content_hash"] for table, state in previous_entry.get("tables", {}).items()}
    deltas: dict[str, Delta | None] = {}
    for file in files:
        if file.fmt != "parquet" or old_hashes.get(file.resource) == f"sha256:{file.sha256}":
            continue
        keys = list(schemas[file.resource].get("primaryKey") or [])
        old_key = layout.package_file(dataset, previous, layout.resource_path(file.resource, "parquet"))
        if not keys or not store.exists(old_key):
            deltas[file.resource] = None
            continue
        out = work / "deltas" / previous / layout.delta_path(file.resource)
        with local_copy(store, old_key, work / "previous") as old_path:
            flag = (upstream_flags or {}).get(file.resource)
            hashes = (content_hashes or {}).get(file.resource)
            deltas[file.resource] = compute_delta(
                file.resource, str(old_path), file.path, keys, out, upstream_flag=flag, content_hashes=hashes
            )
    return deltas


def delta_resources(deltas: dict[str, Delta | None], schemas: dict[str, dict[str, Any]], previous: str) -> list[dict[str, Any]]:
    return [
        delta_descriptor(
            table,
            layout.delta_path(table),
            d.bytes,
            d.sha256,
            delta_schema(schemas[table], d.keys, d.upstream_flag is not None),
            previous,
        )
        for table, d in sorted(deltas.items())
        if d is not None
    ]


def package_files(
    spec: DatasetSpec,
    entry: dict[str, Any],
    previous_entry: dict[str, Any] | None,
    deltas: dict[str, Delta | None],
    created: datetime,
) -> list[PackageFile]:
    """``CHANGELOG.md`` and ``CITATION.cff`` of the version ``entry``."""
    changelog = render_changelog(spec.title, entry, previous_entry, deltas)
    return [
        PackageFile(
            layout.CHANGELOG, changelog.encode("utf-8"), "text/markdown", "What changed since the previous version, per table."
        ),
        PackageFile(
            layout.CITATION_CFF,
            citation_cff(spec, entry["version"], created).encode("utf-8"),
            "application/x-yaml",
            "How to cite this version (Citation File Format 1.2).",
        ),
    ]


def chart_package_files(charts: list[RenderedChart]) -> list[PackageFile]:
    """Each chart as two package files: the PNG (captioned with its title) and the CSV it plots."""
    files = []
    for chart in charts:
        files.append(PackageFile(layout.chart_path(chart.name, "png"), chart.image.read_bytes(), "image/png", chart.title))
        files.append(
            PackageFile(
                layout.chart_path(chart.name, "csv"),
                chart.data.read_bytes(),
                "text/csv",
                f"The numbers plotted in: {chart.title}",
            )
        )
    return files
