"""Ingest one landing file: parse every record, keep the good, quarantine the rest, count all.

Outputs go to the private work area under keys from :mod:`flows.layout`: the Parquet
partition and the quarantine file first, the per-file manifest (its counts) last, so a file
whose manifest exists is complete and is skipped by later runs.

Files in our own JSONL contract take the DuckDB fast path (:mod:`flows.ingest.fast`), which
writes what the Python parser (:mod:`flows.ingest.parse`) would; the outputs do not depend on
it, so ``PARSER_VERSION`` does not either.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from flows import layout
from flows.checksums import sha256_file
from flows.errors import SourceError
from flows.ingest import fast
from flows.ingest.parse import RecordParser
from flows.ingest.reader import iter_records
from flows.ingest.writer import PartitionWriter, QuarantineWriter, attempt_folder
from flows.records import RAW_TABLES
from flows.settings import get_settings
from flows.storage import Storage, local_copy

log = logging.getLogger(__name__)

PARSER_VERSION = "2"
# Landing folder → raw table.
TABLE_OF_FOLDER = {"scraper": "judgments", "monitor": "observations"}


@dataclass
class FileReport:
    source_file: str
    source_sha256: str
    table: str
    partition_id: str
    status: str = "ingested"  # ingested | unreadable
    reused: bool = False  # True when an earlier run already ingested these exact bytes
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    flagged: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.quarantined

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def partition_id(table: str, source_sha256: str) -> str:
    return hashlib.sha256(f"{PARSER_VERSION}:{table}:{source_sha256}".encode()).hexdigest()


def ingest_file(landing: Storage, key: str, work: Storage, scratch: Path, now: datetime | None = None) -> FileReport:
    """Ingest landing file ``key`` (under ``scraper/`` or ``monitor/``) into the work area."""
    table = TABLE_OF_FOLDER[key.split("/", 1)[0]]
    with local_copy(landing, key, scratch / "landing") as path:
        sha = sha256_file(path)
        pid = partition_id(table, sha)
        done = work.get_versioned(layout.ingest_manifest(pid))
        if done is not None:
            previous = FileReport(**orjson.loads(done.data))
            previous.reused, previous.source_file = True, key
            return previous
        report = FileReport(source_file=key, source_sha256=sha, table=table, partition_id=pid)
        out = attempt_folder(scratch / "ingest", pid)
        _parse_into(path, key, report, out, now or datetime.now(UTC))
        _commit(work, report, out)
    log.info("ingested file=%s read=%d accepted=%d quarantined=%d", key, report.read, report.accepted, report.quarantined)
    return report


def _parse_into(path: Path, key: str, report: FileReport, out: Path, now: datetime) -> None:
    if fast.parse_fast(path, key, report, out, now) is not None:
        return
    settings = get_settings()
    with (
        PartitionWriter(out / "part.parquet", RAW_TABLES[report.table], settings.ingest_batch_rows) as rows,
        QuarantineWriter(out / "quarantine.jsonl") as quarantine,
    ):
        parser = RecordParser(report.table, key, report.source_sha256, now, quarantine, settings.max_field_bytes)
        try:
            for record in iter_records(path, key):
                report.read += 1
                row = parser.parse(record)
                if row is not None:
                    parser.count_flags(row)
                    rows.add(row)
        except SourceError as exc:
            report.status, report.error = "unreadable", str(exc)
            parser.reject(0, "unreadable_file", str(exc), "")
            report.read += 1  # the unreadable remainder counts as one quarantined record
    report.accepted = rows.rows_written
    report.quarantined = quarantine.count
    report.formats, report.reasons, report.flags = dict(parser.formats), dict(parser.reasons), dict(parser.flags)
    report.flagged = parser.flagged


def _commit(work: Storage, report: FileReport, out: Path) -> None:
    pid = report.partition_id
    work.put_file_if_absent(layout.raw_partition(report.table, pid), out / "part.parquet")
    if report.quarantined:
        work.put_file_if_absent(layout.quarantine_file(pid), out / "quarantine.jsonl")
    work.put_if_absent(layout.ingest_manifest(pid), orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2))
    for leftover in out.iterdir():
        leftover.unlink()
    out.rmdir()
