"""Check a downloaded package on the consumer's side: every file's bytes, then the dataset's expectations.

``validate_package(folder)`` is what ``wenshu validate --package PATH`` runs in a consumer's CI:
it re-checks sizes and sha256 against the package's own ``datapackage.json`` and runs the
Great Expectations suites the dataset declares (``suite:`` in ``datapackage.yaml``) over the
package's Parquet files, in DuckDB.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from flows import layout
from flows.checksums import sha256_file
from flows.errors import ConfigurationError, IntegrityError
from flows.publish.consume import package_items
from flows.publish.datasets import load_dataset

if TYPE_CHECKING:
    from flows.validate import ValidationReport

log = logging.getLogger(__name__)


def _folder(path: Path) -> Path:
    folder = path.parent if path.name == "datapackage.json" else path
    if not (folder / "datapackage.json").is_file():
        raise ConfigurationError(f"no datapackage.json in {folder}: pass a folder made by `wenshu download`")
    return folder


def check_files(folder: Path, descriptor: dict) -> list[str]:
    """Problems with the files present in ``folder`` against ``descriptor`` (missing files included)."""
    problems = []
    for item in package_items(descriptor):
        path = folder.joinpath(*item["path"].split("/"))
        if not path.is_file():
            problems.append(f"{item['path']}: missing")
            continue
        want_size, want_sha = int(item["bytes"]), str(item["hash"]).removeprefix("sha256:")
        size, sha = path.stat().st_size, sha256_file(path)
        if (size, sha) != (want_size, want_sha):
            problems.append(f"{item['path']}: {size} bytes sha256 {sha[:12]}…, expected {want_size} bytes {want_sha[:12]}…")
    return problems


def validate_package(path: Path) -> ValidationReport:
    """Verify the package at ``path`` byte for byte, then run its dataset's suites over its Parquet tables.

    Raises :class:`IntegrityError` for a changed or missing file; returns the validation report
    (``report.passed``, ``report.raise_for_failures()``) otherwise.
    """
    from flows.validate import validate_tables

    folder = _folder(Path(path))
    descriptor = orjson.loads((folder / "datapackage.json").read_bytes())
    problems = check_files(folder, descriptor)
    if problems:
        raise IntegrityError(f"{folder}: {len(problems)} files differ from datapackage.json: " + "; ".join(problems[:5]))
    spec = load_dataset(descriptor["name"])
    parquet = {r["path"] for r in descriptor["resources"] if r.get("format") == "parquet"}
    tables, suites = {}, []
    for resource in spec.resources:
        relative = layout.resource_path(resource.name, "parquet")
        if resource.suite and relative in parquet:
            tables[resource.name] = str(folder / relative)
            suites.append(resource.suite)
    if not suites:
        raise ConfigurationError(
            f"{folder}: no table of {spec.name} with expectations is in this package (download its Parquet files)"
        )
    log.info("validating package=%s@%s tables=%s", spec.name, descriptor.get("version"), ",".join(tables))
    return validate_tables(tables, suites)
