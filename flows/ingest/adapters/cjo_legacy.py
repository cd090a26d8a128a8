"""Legacy (pre-2019) CJO content pages: the ``caseinfo`` object with Chinese keys (文书ID, 案号,
法院名称, 上传日期 ``/Date(ms)/`` …) and the ``jsonHtmlData`` string holding ``{Title, PubDate, Html}``.

A scraper delivers one of two shapes per JSONL line:

* the ``caseinfo`` object itself, optionally with the decoded ``jsonHtmlData`` under that key
  (or its ``Html`` under ``Html``) — what a scraper that parsed the page should write;
* the page's JavaScript as one JSON string (the raw ``content.xhr`` response), from which the
  two object literals are read, never executed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flows.ingest.adapters.cjo_app import html_record_fields
from flows.ingest.adapters.cjo_codes import (
    DOCUMENT_TYPE_NAMES,
    LEGACY_CASE_TYPE_NAMES,
    PayloadError,
    cjo_date,
    code_name,
    crawl_timestamp,
    nested_json,
)

_CASEINFO = re.compile(r"caseinfo\s*=\s*JSON\.stringify\(")
_HTML_DATA = re.compile(r"jsonHtmlData\s*=\s*")
_SECTIONS = ("文本首部段落原文", "诉讼参与人信息部分原文", "诉讼记录段原文", "案件基本情况段原文",
             "裁判要旨段原文", "判决结果段原文", "文本尾部原文", "附加原文")  # fmt: skip


def matches(obj: Any) -> bool:
    if isinstance(obj, str):
        return bool(_CASEINFO.search(obj))
    return isinstance(obj, dict) and "文书ID" in obj


def parse_page(script: str) -> dict[str, Any]:
    """The ``caseinfo`` object of a content page, with ``jsonHtmlData`` decoded into it."""
    decoder = json.JSONDecoder()
    opening = _CASEINFO.search(script)
    if not opening:
        raise PayloadError("no caseinfo object in the page")
    try:
        caseinfo, _ = decoder.raw_decode(script, opening.end())
        data = _HTML_DATA.search(script)
        html_data = decoder.raw_decode(script, data.end())[0] if data else None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"content page literal is not JSON: {exc}") from exc
    if not isinstance(caseinfo, dict):
        raise PayloadError("caseinfo is not an object")
    if html_data is not None:
        caseinfo["jsonHtmlData"] = nested_json(html_data)
    return caseinfo


def _text(caseinfo: dict[str, Any], html: dict[str, Any]) -> str | None:
    for candidate in (html.get("text"), caseinfo.get("DocContent"), caseinfo.get("Html")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    sections = [caseinfo.get(key) for key in _SECTIONS]
    return "\n".join(s for s in sections if isinstance(s, str) and s.strip()) or None


def fields(obj: Any) -> dict[str, Any]:
    caseinfo = parse_page(obj) if isinstance(obj, str) else obj
    html_data = nested_json(caseinfo.get("jsonHtmlData"))
    html = html_record_fields(html_data) if isinstance(html_data, dict) else {}
    return {
        "doc_id": caseinfo.get("文书ID"),
        "title": caseinfo.get("案件名称") or html.get("title"),
        "court_name": caseinfo.get("法院名称"),
        "case_number": caseinfo.get("案号"),
        "case_type": code_name(caseinfo.get("案件类型"), LEGACY_CASE_TYPE_NAMES),
        "procedure": caseinfo.get("审判程序"),
        "document_type": code_name(caseinfo.get("文书类型"), DOCUMENT_TYPE_NAMES),
        "judgment_date": cjo_date(caseinfo.get("裁判日期")),
        "publish_date": cjo_date(caseinfo.get("上传日期")) or html.get("publish_date"),
        "text": _text(caseinfo, html),
        "captured_at": crawl_timestamp(caseinfo.get("crawl_time")),
    }
