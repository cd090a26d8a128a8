"""Ingest: landing zone → typed Parquet raw layer + quarantine, with counts that reconcile."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flows import layout
from flows.ingest.files import TABLE_OF_FOLDER, FileReport, ingest_file
from flows.ingest.reader import is_landing_file
from flows.storage import Storage


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)

    def totals(self, table: str | None = None) -> dict[str, int]:
        chosen = [f for f in self.files if table is None or f.table == table]
        return {
            "files": len(chosen),
            "files_unchanged": sum(f.reused for f in chosen),
            "files_unreadable": sum(f.status == "unreadable" for f in chosen),
            "read": sum(f.read for f in chosen),
            "accepted": sum(f.accepted for f in chosen),
            "quarantined": sum(f.quarantined for f in chosen),
            "flagged": sum(f.flagged for f in chosen),
        }

    def counter(self, attribute: str, table: str | None = None) -> dict[str, int]:
        total: Counter[str] = Counter()
        for report in self.files:
            if table is None or report.table == table:
                total.update(getattr(report, attribute))
        return dict(total.most_common())

    @property
    def reconciles(self) -> bool:
        return all(f.reconciles for f in self.files)

    def partitions(self, table: str) -> list[str]:
        """Work-area keys of the raw partitions of ``table`` for the current landing zone."""
        return sorted({layout.raw_partition(table, f.partition_id) for f in self.files if f.table == table})

    def to_dict(self) -> dict[str, Any]:
        tables = sorted({f.table for f in self.files})
        return {
            "reconciles": self.reconciles,
            "totals": self.totals(),
            "tables": {
                t: {**self.totals(t), "formats": self.counter("formats", t), "reasons": self.counter("reasons", t),
                    "flags": self.counter("flags", t)}
                for t in tables
            },
            "files": [f.to_dict() for f in self.files],
        }  # fmt: skip


def landing_files(landing: Storage) -> list[str]:
    """Landing keys to ingest, in a stable order: every supported file under each input folder."""
    return [key for folder in TABLE_OF_FOLDER for key in landing.list(f"{folder}/") if is_landing_file(key)]


def ingest_landing(
    landing: Storage,
    work: Storage,
    scratch: Path,
    now: datetime | None = None,
    on_file: Callable[[FileReport], None] | None = None,
) -> IngestReport:
    """Ingest every landing file (sequentially; flows fan out over :func:`ingest_file` instead)."""
    report = IngestReport()
    for key in landing_files(landing):
        file_report = ingest_file(landing, key, work, scratch, now)
        report.files.append(file_report)
        if on_file:
            on_file(file_report)
    return report


__all__ = ["FileReport", "IngestReport", "ingest_file", "ingest_landing", "landing_files"]
