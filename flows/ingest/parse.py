"""The Python path, one record at a time: detect its shape, build its raw row or quarantine it.

Every landing file goes through here unless the DuckDB fast path (:mod:`flows.ingest.fast`)
takes it; the fast path hands back to here every record it cannot vouch for.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import orjson

from flows.ingest.adapters import JUDGMENT_ADAPTERS, OBSERVATION_ADAPTERS, Adapter, PayloadError, detect
from flows.ingest.normalise import Provenance, Rejected, judgment_row, observation_row
from flows.ingest.reader import RawRecord, excerpt
from flows.ingest.writer import QuarantineWriter

ADAPTERS: dict[str, tuple[Adapter, ...]] = {"judgments": JUDGMENT_ADAPTERS, "observations": OBSERVATION_ADAPTERS}


class RecordParser:
    """Parses one file's records in file order; counts formats and quarantine reasons as it goes.

    ``flag_duplicates`` flags a doc_id seen earlier in the file with another text; the fast path
    turns it off and flags duplicates over all the file's rows itself."""

    def __init__(
        self,
        table: str,
        source_file: str,
        source_sha256: str,
        now: datetime,
        quarantine: QuarantineWriter,
        max_field_chars: int,
        flag_duplicates: bool = True,
    ):
        self.table, self.source_file, self.source_sha256, self.now = table, source_file, source_sha256, now
        self.quarantine, self.max_field_chars, self.flag_duplicates = quarantine, max_field_chars, flag_duplicates
        self.adapters = ADAPTERS[table]
        self.formats, self.reasons, self.flags = Counter[str](), Counter[str](), Counter[str]()
        self.flagged = 0
        self._seen_text: dict[str, str] = {}

    def reject(self, line: int, reason: str, detail: str, sample: str) -> None:
        self.reasons[reason] += 1
        self.quarantine.add(
            {"source_file": self.source_file, "source_line": line, "reason": reason, "detail": detail,
             "excerpt": sample, "quarantined_at": self.now.isoformat()}
        )  # fmt: skip

    def parse(self, record: RawRecord) -> dict[str, Any] | None:
        """The record's raw row, or None once it is quarantined."""
        if record.error:
            self.reject(record.line, record.error, record.detail or "", record.excerpt)
            return None
        obj = record.obj
        adapter = detect(obj, self.adapters)
        if adapter is None:
            kind = "not_an_object" if not isinstance(obj, dict) else "unknown_format"
            self.reject(record.line, kind, "no adapter recognises this record", excerpt(orjson.dumps(obj)))
            return None
        origin = Provenance(adapter.name, self.source_file, record.line, self.source_sha256, self.now)
        try:
            fields = adapter_fields(adapter, obj)
            if self.table == "judgments":
                row = judgment_row(fields, origin, self.max_field_chars)
                if self.flag_duplicates:
                    _flag_conflicting_duplicate(row, self._seen_text)
            else:
                row = observation_row(fields, origin)
        except Rejected as exc:
            self.reject(record.line, exc.reason, exc.detail, excerpt(orjson.dumps(obj)))
            return None
        self.formats[adapter.name] += 1
        return row

    def count_flags(self, row: dict[str, Any]) -> None:
        if row.get("flags"):
            self.flagged += 1
            self.flags.update(flag.split(":", 1)[0] for flag in row["flags"])


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
