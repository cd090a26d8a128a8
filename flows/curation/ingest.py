"""Curation ingest: ``<landing>/curation/<dataset>/*.csv|*.xlsx`` → typed Parquet + quarantine.

Every row is checked against the dataset's codebook; a row with any problem goes to quarantine
with the file, its row number in the sheet, the column and the reason, and
``read = accepted + quarantined`` holds for every file. Outputs go to the private work area
(keys from :mod:`flows.layout`): the Parquet rows and the quarantine first, the file's manifest
last, so an unchanged file under an unchanged codebook is never read twice. Raw values are
kept as coded (the work area is private); redaction happens in dbt staging.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from flows import layout
from flows.checksums import sha256_file
from flows.curation.codebook import Codebook, codebook_datasets, load_codebook
from flows.curation.coerce import coerce_row, header_map
from flows.curation.read import is_curation_file, read_rows
from flows.errors import SourceError
from flows.ingest.writer import PartitionWriter, QuarantineWriter, attempt_folder
from flows.storage import Storage, local_copy

log = logging.getLogger(__name__)

PARSER_VERSION = "1"
LANDING_FOLDER = "curation/"
_ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32()}
PROVENANCE = [
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_row", pa.int64(), nullable=False),
    pa.field("source_sha256", pa.string(), nullable=False),
    pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
]


@dataclass
class CurationFileReport:
    dataset: str
    source_file: str
    source_sha256: str = ""
    partition_id: str = ""
    status: str = "ingested"  # ingested | unreadable | no_codebook
    reused: bool = False
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.quarantined

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CurationReport:
    files: list[CurationFileReport] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return all(report.reconciles for report in self.files)

    def totals(self, dataset: str | None = None) -> dict[str, int]:
        chosen = [f for f in self.files if dataset is None or f.dataset == dataset]
        return {name: sum(getattr(f, name) for f in chosen) for name in ("read", "accepted", "quarantined")} | {
            "files": len(chosen)
        }

    def to_dict(self) -> dict[str, Any]:
        datasets = sorted({f.dataset for f in self.files})
        return {
            "reconciles": self.reconciles,
            "totals": self.totals(),
            "datasets": {dataset: self.totals(dataset) for dataset in datasets},
            "files": [f.to_dict() for f in self.files],
        }


def arrow_schema(codebook: Codebook) -> pa.Schema:
    """The raw layer's schema of a curated dataset: every codebook variable, then provenance."""
    return pa.schema([pa.field(v.name, _ARROW_TYPES[v.type]) for v in codebook.variables] + PROVENANCE)


def codebook_fingerprint(codebook: Codebook) -> str:
    return hashlib.sha256(codebook.model_dump_json().encode()).hexdigest()


def ingest_curation(landing: Storage, work: Storage, scratch: Path, now: datetime | None = None) -> CurationReport:
    """Ingest every curation file in the landing zone; files of folders without a codebook are reported."""
    report = CurationReport()
    known = set(codebook_datasets())
    for key in landing.list(LANDING_FOLDER):
        if not is_curation_file(key):
            continue
        dataset = key[len(LANDING_FOLDER) :].split("/", 1)[0]
        if dataset not in known or "/" not in key[len(LANDING_FOLDER) :]:
            report.files.append(
                CurationFileReport(dataset, key, status="no_codebook", error=f"no datapackages/{dataset}/codebook.yaml")
            )
            continue
        report.files.append(ingest_curation_file(landing, key, load_codebook(dataset), work, scratch, now))
    return report


def ingest_curation_file(
    landing: Storage, key: str, codebook: Codebook, work: Storage, scratch: Path, now: datetime | None = None
) -> CurationFileReport:
    with local_copy(landing, key, scratch / "landing") as path:
        sha = sha256_file(path)
        pid = hashlib.sha256(f"curation:{PARSER_VERSION}:{codebook_fingerprint(codebook)}:{sha}".encode()).hexdigest()
        done = work.get_versioned(layout.curation_manifest(codebook.name, pid))
        if done is not None:
            previous = CurationFileReport(**orjson.loads(done.data))
            previous.reused, previous.source_file = True, key
            return previous
        report = CurationFileReport(codebook.name, key, sha, pid)
        out = attempt_folder(scratch / "curation", pid)
        _parse_into(path, codebook, report, out, now or datetime.now(UTC))
        _commit(work, report, out)
    log.info("curation file=%s read=%d accepted=%d quarantined=%d", key, report.read, report.accepted, report.quarantined)
    return report


def _parse_into(path: Path, codebook: Codebook, report: CurationFileReport, out: Path, now: datetime) -> None:
    reasons: Counter[str] = Counter()
    seen_keys: dict[Any, int] = {}
    with (
        PartitionWriter(out / "part.parquet", arrow_schema(codebook), 10_000) as rows,
        QuarantineWriter(out / "quarantine.jsonl") as quarantine,
    ):

        def reject(row: int, column: str, reason: str, detail: str, excerpt: str) -> None:
            reasons[reason] += 1
            quarantine.add(
                {"dataset": codebook.name, "source_file": report.source_file, "source_line": row, "column": column,
                 "reason": reason, "detail": detail, "excerpt": excerpt[:300], "quarantined_at": now.isoformat()}
            )  # fmt: skip

        try:
            header, records = read_rows(path)
            headers = header_map(codebook, header)
            report.unknown_columns = sorted(set(header) - set(headers.values()) - {""})
            for number, cells in records:
                report.read += 1
                values, problems = coerce_row(codebook, headers, cells)
                key = values.get(codebook.key)
                if not problems and key in seen_keys:
                    reject(number, codebook.key, "duplicate_key", f"{codebook.key} {key!r} already on row {seen_keys[key]}", "")
                    continue
                if problems:
                    detail = "; ".join(f"{p.column}: {p.reason}" for p in problems)
                    reject(number, problems[0].column, problems[0].reason, detail, ",".join(cells.values()))
                    continue
                seen_keys[key] = number
                rows.add(values | {"source_file": report.source_file, "source_row": number,
                                   "source_sha256": report.source_sha256, "ingested_at": now})  # fmt: skip
        except SourceError as error:
            report.status, report.error = "unreadable", str(error)
            report.read += 1  # the unreadable remainder counts as one quarantined record
            reject(0, "", "unreadable_file", str(error), "")
    report.accepted, report.quarantined, report.reasons = rows.rows_written, quarantine.count, dict(reasons)


def _commit(work: Storage, report: CurationFileReport, out: Path) -> None:
    pid, dataset = report.partition_id, report.dataset
    if report.accepted:
        work.put_file_if_absent(layout.curation_partition(dataset, pid), out / "part.parquet")
    if report.quarantined:
        work.put_file_if_absent(layout.curation_quarantine(dataset, pid), out / "quarantine.jsonl")
    work.put_if_absent(layout.curation_manifest(dataset, pid), orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2))
    for leftover in out.iterdir():
        leftover.unlink()
    out.rmdir()
