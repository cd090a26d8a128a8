"""Type, clean and check canonical fields from any adapter; reject what cannot be kept.

Rejections carry a machine-readable reason (``wrong_type:doc_id``, ``empty_text`` …). Problems
that leave the record useful do not reject it: the bad value is dropped and a flag says why
(``impossible_judgment_date``, ``publish_before_judgment``, ``markup_in_field:title`` …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from flows.ingest.case_number import decode_case_number
from flows.ingest.extract import TextFacts
from flows.ingest.text import clean_field, clean_text, text_sha256
from flows.records import OBSERVATION_STATUSES

EARLIEST_DATE = date(1949, 10, 1)
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_SHORT_FIELDS = ("title", "court_name", "case_type", "procedure", "cause", "document_type")
MAX_SHORT_FIELD_CHARS = 1000


class Rejected(Exception):
    """The record cannot be kept; ``reason`` is machine-readable, ``detail`` for people."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Provenance:
    source_format: str
    source_file: str
    source_line: int
    source_sha256: str
    ingested_at: datetime


def _string(fields: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Rejected(f"missing:{name}", f"{name} is required")
        return None
    if not isinstance(value, str):
        raise Rejected(f"wrong_type:{name}", f"{name} must be a string, got {type(value).__name__}")
    return value


def check_doc_id(fields: dict[str, Any]) -> str:
    doc_id = _string(fields, "doc_id", required=True)
    assert doc_id is not None
    if not _DOC_ID.match(doc_id):
        raise Rejected("unsafe_doc_id", "doc_id must be letters, digits, '-', '_' or '.' (no separators or control characters)")
    return doc_id


def parse_date(value: Any, name: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Rejected(f"wrong_type:{name}", f"{name} must be a YYYY-MM-DD string")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise Rejected(f"invalid_date:{name}", f"{value!r} is not a date") from exc


def parse_timestamp(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Rejected(f"wrong_type:{name}", f"{name} must be an ISO 8601 string")
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise Rejected(f"invalid_timestamp:{name}", f"{value!r} is not an ISO 8601 timestamp") from exc
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC)


def _plausible(day: date | None, name: str, today: date, flags: list[str]) -> date | None:
    if day is not None and not EARLIEST_DATE <= day <= today:
        flags.append(f"impossible_{name}")
        return None
    return day


def _list_of(fields: dict[str, Any], name: str, item_type: type) -> list[Any]:
    value = fields.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, item_type) for item in value):
        raise Rejected(f"wrong_type:{name}", f"{name} must be a list of {item_type.__name__}")
    return value


def judgment_row(fields: dict[str, Any], origin: Provenance, max_field_chars: int) -> dict[str, Any]:
    """A row of :data:`flows.records.JUDGMENT_SCHEMA`, or :class:`Rejected`."""
    flags: list[str] = []
    doc_id = check_doc_id(fields)
    raw_text = _string(fields, "text", required=True)
    assert raw_text is not None
    if len(raw_text) > max_field_chars:
        raise Rejected("field_too_large:text", f"{len(raw_text):,} characters > limit {max_field_chars:,}")
    text = clean_text(raw_text)
    if not text:
        raise Rejected("empty_text", "text is empty once markup and whitespace are removed")
    short: dict[str, str | None] = {}
    for name in _SHORT_FIELDS:
        value = _string(fields, name)
        if value is not None:
            if len(value) > MAX_SHORT_FIELD_CHARS:
                raise Rejected(f"field_too_large:{name}", f"{len(value):,} characters")
            value, had_markup = clean_field(value)
            if had_markup:
                flags.append(f"markup_in_field:{name}")
        short[name] = value or None
    parties = _list_of(fields, "parties", dict)
    legal_basis = _list_of(fields, "legal_basis", str)
    meta = TextFacts(text, short["title"])  # read from the text only what the capture lacks
    recovered = _fill_from_text(short, meta)
    today = origin.ingested_at.date()
    judgment_date = parse_date(fields.get("judgment_date"), "judgment_date")
    if judgment_date is None and meta.judgment_date is not None:
        judgment_date = meta.judgment_date
        recovered.append("judgment_date")
    judgment_date = _plausible(judgment_date, "judgment_date", today, flags)
    publish_date = _plausible(parse_date(fields.get("publish_date"), "publish_date"), "publish_date", today, flags)
    if judgment_date and publish_date and publish_date < judgment_date:
        flags.append("publish_before_judgment")
        publish_date = None
    case_number = _string(fields, "case_number")
    if case_number is None and meta.case_number:
        case_number = meta.case_number
        recovered.append("case_number")
    decoded = decode_case_number(case_number)
    if case_number and not decoded.ok:
        flags.append(f"case_number_undecoded:{decoded.error}")
    if not legal_basis and meta.legal_basis:
        legal_basis = meta.legal_basis
        recovered.append("legal_basis")
    return {
        "doc_id": doc_id,
        "case_number": decoded.normalised if case_number else None,
        "case_year": decoded.year,
        "case_province_abbr": decoded.province_abbr,
        "court_code": decoded.court_code,
        "case_type_code": decoded.case_type_code,
        "case_sequence": decoded.sequence,
        "case_number_style": decoded.style,
        "case_number_error": decoded.error if case_number else "empty",
        **short,
        "judgment_date": judgment_date,
        "publish_date": publish_date,
        "parties_count": len(parties) or meta.parties_count or None,
        "party_roles_json": orjson.dumps(meta.party_roles).decode() if meta.party_roles else None,
        "judges_count": meta.judges_count,
        "parties_json": orjson.dumps(parties).decode() if parties else None,
        "legal_basis_json": orjson.dumps(legal_basis).decode() if legal_basis else None,
        "text": text,
        "text_chars": len(text),
        "text_sha256": text_sha256(text),
        "flags": flags,
        "recovered_fields": recovered,
        "source_format": origin.source_format,
        "source_file": origin.source_file,
        "source_line": origin.source_line,
        "source_sha256": origin.source_sha256,
        "captured_at": parse_timestamp(fields.get("captured_at"), "captured_at"),
        "ingested_at": origin.ingested_at,
    }


_FILLED_FROM_TEXT = ("court_name", "document_type", "cause")


def _fill_from_text(short: dict[str, str | None], meta: TextFacts) -> list[str]:
    """Fill missing short fields from the text; the names of the fields filled."""
    recovered = []
    for name in _FILLED_FROM_TEXT:
        if short.get(name) is None and (value := getattr(meta, name)):
            short[name] = value
            recovered.append(name)
    return recovered


def observation_row(fields: dict[str, Any], origin: Provenance) -> dict[str, Any]:
    """A row of :data:`flows.records.OBSERVATION_SCHEMA`, or :class:`Rejected`."""
    doc_id = check_doc_id(fields)
    checked_at = parse_timestamp(fields.get("checked_at"), "checked_at")
    if checked_at is None:
        raise Rejected("missing:checked_at", "checked_at is required")
    if checked_at > origin.ingested_at or checked_at.date() < EARLIEST_DATE:
        raise Rejected("impossible_timestamp:checked_at", checked_at.isoformat())
    status = _string(fields, "status", required=True)
    if status not in OBSERVATION_STATUSES:
        raise Rejected("invalid_value:status", f"{status!r} is not one of {', '.join(OBSERVATION_STATUSES)}")
    http_status = fields.get("http_status")
    if http_status is not None and (
        not isinstance(http_status, int) or isinstance(http_status, bool) or not 100 <= http_status <= 599
    ):
        raise Rejected("wrong_type:http_status", "http_status must be an HTTP status code or null")
    reason = _string(fields, "reason")
    return {
        "doc_id": doc_id,
        "checked_at": checked_at,
        "status": status,
        "http_status": http_status,
        "reason": clean_field(reason)[0] if reason else None,
        "source_file": origin.source_file,
        "source_line": origin.source_line,
        "source_sha256": origin.source_sha256,
        "ingested_at": origin.ingested_at,
    }
