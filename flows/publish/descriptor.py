"""Frictionless v2 ``datapackage.json`` for one dataset version.

Tables (and their row-level deltas) are ``resources``; the package's other files
(``CHANGELOG.md``, ``CITATION.cff``) are listed with the same ``bytes`` and ``hash`` under a
``files`` property, so that ``frictionless validate`` does not try to read them as tables while
``wenshu verify`` and ``download`` still check every byte.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.publish.citation import suggested_citation
from flows.publish.datasets import DatasetSpec
from flows.publish.export import ExportedFile

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
_MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def resource_name(resource: str, fmt: str, formats: list[str]) -> str:
    """``judgments`` for the only format, else ``judgments-csv`` / ``judgments-parquet``."""
    return resource if len(formats) == 1 else f"{resource}-{fmt}"


def resource_descriptor(file: ExportedFile, formats: list[str], schema: dict[str, Any], description: str) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "$schema": RESOURCE_PROFILE,
        "name": resource_name(file.resource, file.fmt, formats),
        "type": "table",
        "path": file.package_path,
        "format": file.fmt,
        "mediatype": _MEDIA_TYPES[file.fmt],
        "bytes": file.bytes,
        "hash": f"sha256:{file.sha256}",
        "description": description,
        "schema": schema,
    }
    if file.fmt == "csv":
        descriptor["encoding"] = "utf-8"
        descriptor["dialect"] = {"header": True, "delimiter": ",", "quoteChar": '"'}
    return descriptor


def delta_descriptor(table: str, path: str, size: int, sha256: str, schema: dict[str, Any], previous: str) -> dict[str, Any]:
    """A delta file as a resource: ``<table>-delta``, rows added/changed/removed since ``previous``."""
    return {
        "$schema": RESOURCE_PROFILE,
        "name": f"{table}-delta",
        "type": "table",
        "path": path,
        "format": "parquet",
        "mediatype": _MEDIA_TYPES["parquet"],
        "bytes": size,
        "hash": f"sha256:{sha256}",
        "description": f"Rows of {table} added, changed or removed since version {previous}, by primary key.",
        "schema": schema,
    }


def file_entry(path: str, size: int, sha256: str, mediatype: str, description: str) -> dict[str, Any]:
    """A non-table file of the package (changelog, citation), listed under ``files`` and verified like resources."""
    return {"path": path, "mediatype": mediatype, "bytes": size, "hash": f"sha256:{sha256}", "description": description}


def package_descriptor(
    spec: DatasetSpec, version: str, created: datetime, resources: list[dict[str, Any]], extra: dict[str, Any]
) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "$schema": PACKAGE_PROFILE,
        "id": f"wenshu-open-archive/{spec.name}/{version}",
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "version": version,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": spec.licenses,
        "sources": spec.sources,
        "contributors": spec.contributors,
        "keywords": spec.keywords,
        "citation": suggested_citation(spec, version, created),
        "resources": resources,
    }
    if spec.homepage:
        descriptor["homepage"] = spec.homepage
    descriptor.update(extra)
    return descriptor
