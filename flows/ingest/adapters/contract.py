"""Our own JSONL contract (``docs/landing-contract.md``): what a new scraper should write.

Field names already are the canonical ones, so the adapter only picks them out; unknown keys
are ignored, so scrapers may add their own.
"""

from __future__ import annotations

from typing import Any

JUDGMENT_SCHEMA_TAG = "wenshu.judgment/"
OBSERVATION_SCHEMA_TAG = "wenshu.observation/"
JUDGMENT_FIELDS = (
    "doc_id", "case_number", "title", "court_name", "case_type", "procedure", "cause",
    "document_type", "judgment_date", "publish_date", "parties", "legal_basis", "text",
    "captured_at",
)  # fmt: skip
OBSERVATION_FIELDS = ("doc_id", "checked_at", "status", "http_status", "reason")


def matches_judgment(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    tag = obj.get("schema")
    if isinstance(tag, str):
        return tag.startswith(JUDGMENT_SCHEMA_TAG)
    return "doc_id" in obj and "text" in obj


def judgment_fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {name: obj.get(name) for name in JUDGMENT_FIELDS}


def matches_observation(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    tag = obj.get("schema")
    if isinstance(tag, str):
        return tag.startswith(OBSERVATION_SCHEMA_TAG)
    return "doc_id" in obj and "checked_at" in obj and "status" in obj


def observation_fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {name: obj.get(name) for name in OBSERVATION_FIELDS}
