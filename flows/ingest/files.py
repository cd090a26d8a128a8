"""Ingest one landing file: parse every record, keep the good, quarantine the rest, count all.

Outputs go to the private work area under keys from :mod:`flows.layout`: the Parquet
partition and the quarantine file first, the per-file manifest (its counts) last, so a file
whose manifest exists is complete and is skipped by later runs.
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

from flows import layout
from flows.checksums import sha256_file
from flows.errors import SourceError
from flows.ingest.adapters import JUDGMENT_ADAPTERS, OBSERVATION_ADAPTERS, Adapter, PayloadError, detect
from flows.ingest.normalise import Provenance, Rejected, judgment_row, observation_row
from flows.ingest.reader import excerpt, iter_records
from flows.ingest.writer import PartitionWriter, QuarantineWriter
from flows.records import RAW_TABLES
from flows.settings import get_settings
from flows.storage import Storage, local_copy

log = logging.getLogger(__name__)

PARSER_VERSION = "2"
# Landing folder → raw table, adapters and row builder.
TABLE_OF_FOLDER = {"scraper": "judgments", "monitor": "observations"}
_ADAPTERS: dict[str, tuple[Adapter, ...]] = {"judgments": JUDGMENT_ADAPTERS, "observations": OBSERVATION_ADAPTERS}


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
        _parse_into(path, key, report, scratch / "ingest" / pid, now or datetime.now(UTC))
        _commit(work, report, scratch / "ingest" / pid)
    log.info("ingested file=%s read=%d accepted=%d quarantined=%d", key, report.read, report.accepted, report.quarantined)
    return report


def _parse_into(path: Path, key: str, report: FileReport, out: Path, now: datetime) -> None:
    settings = get_settings()
    adapters = _ADAPTERS[report.table]
    formats, reasons, flags = Counter[str](), Counter[str](), Counter[str]()
    seen_text: dict[str, str] = {}
    with (
        PartitionWriter(out / "part.parquet", RAW_TABLES[report.table], settings.ingest_batch_rows) as rows,
        QuarantineWriter(out / "quarantine.jsonl") as quarantine,
    ):

        def reject(line: int, reason: str, detail: str, sample: str) -> None:
            reasons[reason] += 1
            quarantine.add(
                {"source_file": key, "source_line": line, "reason": reason, "detail": detail,
                 "excerpt": sample, "quarantined_at": now.isoformat()}
            )  # fmt: skip

        try:
            for record in iter_records(path, key):
                report.read += 1
                if record.error:
                    reject(record.line, record.error, record.detail or "", record.excerpt)
                    continue
                obj = record.obj
                adapter = detect(obj, adapters)
                if adapter is None:
                    kind = "not_an_object" if not isinstance(obj, dict) else "unknown_format"
                    reject(record.line, kind, "no adapter recognises this record", excerpt(orjson.dumps(obj)))
                    continue
                origin = Provenance(adapter.name, key, record.line, report.source_sha256, now)
                try:
                    fields = adapter_fields(adapter, obj)
                    if report.table == "judgments":
                        row = judgment_row(fields, origin, settings.max_field_bytes)
                        _flag_conflicting_duplicate(row, seen_text)
                    else:
                        row = observation_row(fields, origin)
                except Rejected as exc:
                    reject(record.line, exc.reason, exc.detail, excerpt(orjson.dumps(obj)))
                    continue
                formats[adapter.name] += 1
                if row.get("flags"):
                    report.flagged += 1
                    flags.update(flag.split(":", 1)[0] for flag in row["flags"])
                rows.add(row)
        except SourceError as exc:
            report.status, report.error = "unreadable", str(exc)
            reject(0, "unreadable_file", str(exc), "")
            report.read += 1  # the unreadable remainder counts as one quarantined record
    report.accepted = rows.rows_written
    report.quarantined = quarantine.count
    report.formats, report.reasons, report.flags = dict(formats), dict(reasons), dict(flags)


def adapter_fields(adapter: Adapter, obj: Any) -> dict[str, Any]:
    """The adapter's canonical fields; a nested value it cannot decode rejects the record."""
    try:
        return adapter.to_fields(obj)
    except PayloadError as exc:
        raise Rejected("invalid_payload", str(exc)) from exc


def _flag_conflicting_duplicate(row: dict[str, Any], seen_text: dict[str, str]) -> None:
    """The same id twice in one file with different text is kept, flagged for review. (The same
    text under different ids is kept as two documents; the judgments mart links them through
    ``text_duplicate_of``.)"""
    previous = seen_text.setdefault(row["doc_id"], row["text_sha256"])
    if previous != row["text_sha256"]:
        row["flags"].append("conflicting_duplicate_id")


def _commit(work: Storage, report: FileReport, out: Path) -> None:
    pid = report.partition_id
    work.put_file_if_absent(layout.raw_partition(report.table, pid), out / "part.parquet")
    if report.quarantined:
        work.put_file_if_absent(layout.quarantine_file(pid), out / "quarantine.jsonl")
    work.put_if_absent(layout.ingest_manifest(pid), orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2))
    for leftover in out.iterdir():
        leftover.unlink()
    out.rmdir()
