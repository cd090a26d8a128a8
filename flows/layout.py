"""Every storage key the project uses, and nothing else builds keys.

Public store (immutable version folders; pointers replaced only by compare-and-swap)::

    catalog.json                      Frictionless catalog of every dataset's latest version
    index.html                        static catalog page (no server needed)
    feed.xml, feed.json               Atom and JSON Feed: new versions and withdrawals
    <dataset>/index.html              the dataset's page: versions, tables, dictionary, preview
    <dataset>/versions.json           every version: time, rows, content hash, status
    <dataset>/latest.json             pointer to the newest published version (written last)
    <dataset>/<version>/datapackage.json   written after every file it lists
    <dataset>/<version>/data/<resource>.<csv|parquet>
    <dataset>/<version>/data/deltas/<resource>.parquet   rows added/changed/removed since the previous version
    <dataset>/<version>/CHANGELOG.md, CITATION.cff
    <dataset>/<version>/TOMBSTONE.json     only in a withdrawn version, in place of its files

The pages, feeds and catalog are derived from ``versions.json`` and rewritten (by CAS) after
``latest.json``.

Private work area (never published)::

    raw/<table>/<partition>.parquet          typed records from one landing file
    quarantine/<partition>.jsonl             rejected records from that file, with reasons
    ingested/<partition>.json                that file's counts; written last, marks it done
    raw/curation/<dataset>/<partition>.parquet       one curation file's rows, checked against its codebook
    quarantine/curation/<dataset>/<partition>.jsonl  its rejected rows (file, row, column, reason)
    ingested-curation/<dataset>/<partition>.json     its counts; written last, marks it done
    runs/<run_id>/report.json                counts, validation results, what was published
    runs/<run_id>/validation/<suite>.json    full Great Expectations results
    runs/last-success.json                   fingerprint of the last successful run (lets a no-op rerun stop early)
    runs/landing-index.json                  per landing key: its storage stamp and ingest report (a cache)

A partition id is the sha256 of the parser version, the table and the landing file's bytes, so
an unchanged file is never parsed twice and a parser upgrade re-reads everything.

Names that reach a key are checked here first: a dataset, version, resource or run id with a
path separator, ``..``, a control character, percent-encoding or leading dot is rejected
before any storage call.
"""

from __future__ import annotations

import re

from flows.errors import UnsafeNameError

_SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
_SAFE_VERSION = re.compile(r"[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_RUN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,80}")


def safe_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a lowercase slug usable as one path segment, else raise."""
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise UnsafeNameError(
            f"unsafe {what} {name!r}: use lowercase letters, digits, '.', '_' and '-' "
            "(no path separators, '..', control characters or encodings)"
        )
    return name


def safe_version(version: str) -> str:
    if not isinstance(version, str) or not _SAFE_VERSION.fullmatch(version):
        raise UnsafeNameError(f"unsafe version {version!r}: expected MAJOR.MINOR.PATCH")
    return version


def _safe_sha(sha: str) -> str:
    if not _SHA256.fullmatch(sha):
        raise UnsafeNameError(f"not a sha256 hex digest: {sha!r}")
    return sha


def safe_run_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise UnsafeNameError(f"unsafe run id {run_id!r}")
    return run_id


# -- public store ---------------------------------------------------------------------------
CATALOG = "catalog.json"
INDEX_HTML = "index.html"


def versions_index(dataset: str) -> str:
    return f"{safe_name(dataset, 'dataset')}/versions.json"


def latest_pointer(dataset: str) -> str:
    return f"{safe_name(dataset, 'dataset')}/latest.json"


def version_prefix(dataset: str, version: str) -> str:
    return f"{safe_name(dataset, 'dataset')}/{safe_version(version)}/"


def descriptor(dataset: str, version: str) -> str:
    return version_prefix(dataset, version) + "datapackage.json"


def resource_path(resource: str, fmt: str) -> str:
    """A resource's path relative to its package root, as written in ``datapackage.json``."""
    if fmt not in ("csv", "parquet"):
        raise UnsafeNameError(f"unknown resource format {fmt!r}")
    return f"data/{safe_name(resource, 'resource')}.{fmt}"


def package_file(dataset: str, version: str, relative_path: str) -> str:
    """Key of a file inside a version folder, from its package-relative path (validated)."""
    for part in relative_path.split("/"):
        if not _SAFE_SEGMENT.fullmatch(part) or ".." in part:
            raise UnsafeNameError(f"unsafe path {relative_path!r} inside a package")
    return version_prefix(dataset, version) + relative_path


def dataset_of(key: str) -> str | None:
    """The dataset a store key belongs to, or None for store-level files."""
    head, sep, _ = key.partition("/")
    return head if sep else None


# -- private work area ----------------------------------------------------------------------
def raw_partition(table: str, partition_id: str) -> str:
    return f"raw/{safe_name(table, 'table')}/{_safe_sha(partition_id)}.parquet"


def raw_prefix(table: str) -> str:
    return f"raw/{safe_name(table, 'table')}/"


def quarantine_file(partition_id: str) -> str:
    return f"quarantine/{_safe_sha(partition_id)}.jsonl"


QUARANTINE_PREFIX = "quarantine/"


def run_report(run_id: str) -> str:
    return f"runs/{safe_run_id(run_id)}/report.json"


def validation_result(run_id: str, suite: str) -> str:
    return f"runs/{safe_run_id(run_id)}/validation/{safe_name(suite, 'suite')}.json"


RUNS_PREFIX = "runs/"
LANDING_INDEX = "runs/landing-index.json"  # landing key → stamp and ingest report: unchanged files are not re-read
LAST_SUCCESS = "runs/last-success.json"  # the inputs and code of the last successful run, and what it left published


def ingest_manifest(partition_id: str) -> str:
    """Written last for a landing file: its counts. Its presence means the file is done."""
    return f"ingested/{_safe_sha(partition_id)}.json"


INGESTED_PREFIX = "ingested/"


# -- published extras -------------------------------------------------------------------------
FEED_XML = "feed.xml"
FEED_JSON = "feed.json"
CHANGELOG = "CHANGELOG.md"  # package-relative, beside datapackage.json
CITATION_CFF = "CITATION.cff"  # package-relative


def delta_path(resource: str) -> str:
    """Package-relative path of a table's row-level delta against the previous version."""
    return f"data/deltas/{safe_name(resource, 'resource')}.parquet"


CHART_FORMATS = ("png", "csv")  # the picture and the numbers it plots


def chart_path(chart: str, fmt: str) -> str:
    """Package-relative path of a chart rendered at publish time (``charts/<name>.png`` or ``.csv``)."""
    if fmt not in CHART_FORMATS:
        raise ValueError(f"unsupported chart format {fmt!r}")
    return f"charts/{safe_name(chart, 'chart')}.{fmt}"


def tombstone(dataset: str, version: str) -> str:
    """Left in a withdrawn version's folder in place of its files: what it was and why it went."""
    return version_prefix(dataset, version) + "TOMBSTONE.json"


def dataset_page(dataset: str) -> str:
    return f"{safe_name(dataset, 'dataset')}/index.html"


# -- curated datasets (private work area) ----------------------------------------------------
CURATION_RAW_PREFIX = "raw/curation/"


def curation_raw_prefix(dataset: str) -> str:
    return f"{CURATION_RAW_PREFIX}{safe_name(dataset, 'dataset')}/"


def curation_partition(dataset: str, partition_id: str) -> str:
    """Typed rows of one curation file, read by the dataset's dbt staging model."""
    return f"{curation_raw_prefix(dataset)}{_safe_sha(partition_id)}.parquet"


def curation_quarantine(dataset: str, partition_id: str) -> str:
    return f"{QUARANTINE_PREFIX}curation/{safe_name(dataset, 'dataset')}/{_safe_sha(partition_id)}.jsonl"


def curation_manifest(dataset: str, partition_id: str) -> str:
    """Written last for a curation file: its counts. Its presence means the file is done."""
    return f"ingested-curation/{safe_name(dataset, 'dataset')}/{_safe_sha(partition_id)}.json"
