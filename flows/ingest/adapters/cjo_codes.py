"""CJO code lists the adapters decode (from ``quanwendic.js`` / ``cls.json`` in shared/data/reference),
and the small value parsers CJO captures need: double-encoded JSON, Python-repr lists, /Date(ms)/.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson

# 文书类型 (wslx): code → name.
DOCUMENT_TYPE_NAMES = {"01": "判决书", "02": "裁定书", "03": "调解书", "04": "决定书", "05": "通知书",
                       "06": "批复", "07": "答复", "08": "函", "09": "令", "10": "其他"}  # fmt: skip
# 案件类型 (ajlx) as the web API numbers it since 2019 …
CASE_TYPE_NAMES = {"01": "管辖案件", "02": "刑事案件", "03": "民事案件", "04": "行政案件",
                   "05": "国家赔偿与司法救助案件", "06": "区际司法协助案件", "07": "国际司法协助案件",
                   "08": "司法制裁案件", "09": "非诉保全审查案件", "10": "执行案件",
                   "11": "强制清算与破产案件", "99": "其他案件"}  # fmt: skip
# … and as the legacy content page numbered it (one digit).
LEGACY_CASE_TYPE_NAMES = {"1": "刑事案件", "2": "民事案件", "3": "行政案件", "4": "赔偿案件", "5": "执行案件"}
CJO_TIMEZONE = timezone(timedelta(hours=8))  # CJO and its scrapers write China Standard Time
_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


class PayloadError(ValueError):
    """A nested value (double-encoded JSON, a repr list) could not be decoded."""


def nested_json(value: Any) -> Any:
    """``source`` of a CJO capture: a JSON object, or a JSON string that holds one."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise PayloadError(f"not JSON: {exc}") from exc
    return value


def literal_list(value: Any) -> list[Any]:
    """A list the web API serialises as JSON or as a Python repr (``"['甲', '乙']"``)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise PayloadError(f"expected a list, got {type(value).__name__}")
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError) as exc:
            raise PayloadError(f"not a list literal: {value[:40]!r}") from exc
    if not isinstance(parsed, list):
        raise PayloadError("expected a list")
    return parsed


def cjo_date(value: Any) -> Any:
    """``/Date(1388039700000)/`` → ``2013-12-26`` (China time); anything else unchanged."""
    if isinstance(value, str):
        match = _MS_DATE.match(value.strip())
        if match:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, CJO_TIMEZONE).date().isoformat()
    return value


def crawl_timestamp(value: Any) -> Any:
    """A naive ``crawl_time`` (``2019-05-15 09:10:10``) is China time: made explicit, in UTC."""
    if not isinstance(value, str):
        return value
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=CJO_TIMEZONE)
    return stamp.astimezone(UTC).isoformat()


def code_name(value: Any, names: dict[str, str]) -> Any:
    """A code looked up in ``names``; a value that is not a known code is kept as it is."""
    if isinstance(value, str | int) and str(value).strip() in names:
        return names[str(value).strip()]
    return value
