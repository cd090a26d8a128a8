"""Research dumps of CJO judgments: full text plus a few fields, no CJO metadata.

* JuDGE (``text_id``, ``fd`` full document, ``text`` fact section, ``la`` 刑法 article numbers);
* LeCaRD candidates (``writId``, ``writName`` title, ``qw`` full text, ``ajName``, section fields).

Court, 案号, dates, parties … are all recovered from the full text.
"""

from __future__ import annotations

from typing import Any

CRIMINAL_LAW = "《中华人民共和国刑法》"


def matches_judge(obj: Any) -> bool:
    return isinstance(obj, dict) and "text_id" in obj and "fd" in obj


def judge_fields(obj: dict[str, Any]) -> dict[str, Any]:
    articles = obj.get("la")
    cited = [f"{CRIMINAL_LAW}第{a}条" for a in articles if isinstance(a, int)] if isinstance(articles, list) else []
    return {"doc_id": obj.get("text_id"), "text": obj.get("fd"), "legal_basis": cited or None}


def matches_lecard(obj: Any) -> bool:
    return isinstance(obj, dict) and "writId" in obj and "qw" in obj


def lecard_fields(obj: dict[str, Any]) -> dict[str, Any]:
    return {"doc_id": obj.get("writId"), "title": obj.get("writName"), "text": obj.get("qw")}
