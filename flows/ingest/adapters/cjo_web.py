"""CJO web API records: the ``s1``…``s54`` short codes of ``quanwendic.js`` (``dataItemStr``).

As scrapers store them, wrapped: ``{id, doc_id, source, crawl_time, channel: "web", …}`` with
``source`` a JSON string holding the s-code object; a bare s-code object is accepted too.
"""

from __future__ import annotations

from typing import Any

from flows.ingest.adapters.cjo_codes import (
    CASE_TYPE_NAMES,
    DOCUMENT_TYPE_NAMES,
    code_name,
    crawl_timestamp,
    literal_list,
    nested_json,
)

_MARKERS = ('"qwContent"', '"s5"', '"s7"')


def _payload(obj: dict[str, Any]) -> Any:
    return nested_json(obj["source"]) if "source" in obj else obj


def matches(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    source = obj.get("source", obj)
    if isinstance(source, str):
        return any(marker in source for marker in _MARKERS)
    return isinstance(source, dict) and ("qwContent" in source or ("s5" in source and "s1" in source))


def _sections(payload: dict[str, Any]) -> str | None:
    """The full text from its sections (首部 s22 … 尾部 s28) when ``qwContent`` is missing."""
    parts = [payload.get(key) for key in ("s22", "s23", "s24", "s25", "s26", "s27", "s28")]
    return "\n".join(part for part in parts if isinstance(part, str) and part) or None


def _legal_basis(value: Any) -> list[str]:
    cited = []
    for item in literal_list(value):
        if isinstance(item, dict):
            cited.append(f"{item.get('fgmc') or ''}{item.get('tkx') or ''}")
        elif isinstance(item, str):
            cited.append(item)
    return [c for c in cited if c]


def fields(obj: dict[str, Any]) -> dict[str, Any]:
    payload = _payload(obj)
    if not isinstance(payload, dict):
        return {"doc_id": obj.get("doc_id")}
    causes = [c for c in literal_list(payload.get("s11")) if isinstance(c, str)]
    return {
        "doc_id": payload.get("s5") or obj.get("doc_id"),
        "title": payload.get("s1"),
        "court_name": payload.get("s2"),
        "document_type": code_name(payload.get("s6"), DOCUMENT_TYPE_NAMES),
        "case_number": payload.get("s7"),
        "case_type": code_name(payload.get("s8"), CASE_TYPE_NAMES),
        "procedure": payload.get("s9"),
        "cause": "、".join(causes) or None,
        "judgment_date": payload.get("s31"),
        "publish_date": payload.get("s41"),
        "parties": [{"name": name} for name in literal_list(payload.get("s17")) if isinstance(name, str)],
        "legal_basis": _legal_basis(payload.get("s47")),
        "text": payload.get("qwContent") or _sections(payload),
        "captured_at": crawl_timestamp(obj.get("crawl_time")),
    }
