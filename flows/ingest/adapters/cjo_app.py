"""CJO app-channel records: ``{id, doc_id, source, crawl_time, channel: "app"}`` whose ``source``
(a JSON string) holds ``{Title, PubDate, Html}`` — the same triple the legacy content page
calls ``jsonHtmlData``. Everything else is recovered from the text.
"""

from __future__ import annotations

from typing import Any

from flows.ingest.adapters.cjo_codes import crawl_timestamp, nested_json

# The legacy content page escapes single quotes in Html as this token.
QUOTE_TOKEN = "01lydyh01"


def matches(obj: Any) -> bool:
    if not isinstance(obj, dict) or "doc_id" not in obj:
        return False
    source = obj.get("source")
    if isinstance(source, str):
        return '"Html"' in source and '"Title"' in source
    return isinstance(source, dict) and "Html" in source


def html_record_fields(record: dict[str, Any]) -> dict[str, Any]:
    html = record.get("Html")
    return {
        "title": record.get("Title"),
        "publish_date": record.get("PubDate"),
        "text": html.replace(QUOTE_TOKEN, "'") if isinstance(html, str) else html,
    }


def fields(obj: dict[str, Any]) -> dict[str, Any]:
    source = nested_json(obj.get("source"))
    inner = html_record_fields(source) if isinstance(source, dict) else {}
    return {"doc_id": obj.get("doc_id"), **inner, "captured_at": crawl_timestamp(obj.get("crawl_time"))}
