"""Explain how ingest reads one file: per record, the detected format and what was recovered.

Backs ``wenshu inspect FILE``. Nothing is written anywhere; the output includes names only as
far as the text itself does (the raw layer is private, and so is this tool's output).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from flows.errors import SourceError
from flows.ingest.adapters import JUDGMENT_ADAPTERS, detect
from flows.ingest.normalise import Provenance, Rejected, judgment_row
from flows.ingest.parse import adapter_fields
from flows.ingest.reader import excerpt, iter_records
from flows.settings import get_settings

_HIDDEN = ("text", "parties_json", "source_sha256", "ingested_at", "source_file")
_TEXT_PREVIEW_CHARS = 80


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key, value in row.items():
        if key in _HIDDEN:
            continue
        if isinstance(value, date | datetime):
            value = value.isoformat()
        if key.endswith("_json"):
            key, value = key.removesuffix("_json"), orjson.loads(value) if isinstance(value, str) else value
        shown[key] = value
    shown["text_preview"] = excerpt(row["text"], _TEXT_PREVIEW_CHARS)
    return shown


def inspect_record(line: int, obj: Any, source: str = "inspect", now: datetime | None = None) -> dict[str, Any]:
    """The verdict on one parsed record: ``format``, ``status`` and either ``fields`` or ``reason``."""
    adapter = detect(obj, JUDGMENT_ADAPTERS)
    if adapter is None:
        reason = "unknown_format" if isinstance(obj, dict) else "not_an_object"
        return {"line": line, "format": None, "status": "quarantined", "reason": reason}
    origin = Provenance(adapter.name, source, line, "", now or datetime.now(UTC))
    try:
        row = judgment_row(adapter_fields(adapter, obj), origin, get_settings().max_field_bytes)
    except Rejected as exc:
        return {"line": line, "format": adapter.name, "status": "quarantined", "reason": exc.reason, "detail": exc.detail}
    status = "flagged" if row["flags"] else "accepted"
    return {"line": line, "format": adapter.name, "status": status, "fields": _jsonable(row)}


def inspect_file(path: str | Path) -> Iterator[dict[str, Any]]:
    """One dict per record of a landing file (``.jsonl``, ``.json``, ``.gz``; any supported
    encoding), in file order; an unreadable file ends with a ``line: 0`` entry saying why."""
    path = Path(path)
    try:
        for record in iter_records(path, path.name):
            if record.error:
                yield {"line": record.line, "format": None, "status": "quarantined", "reason": record.error,
                       "detail": record.detail, "excerpt": record.excerpt}  # fmt: skip
            else:
                yield inspect_record(record.line, record.obj, path.name)
    except SourceError as exc:
        yield {"line": 0, "format": None, "status": "unreadable", "reason": "unreadable_file", "detail": str(exc)}
