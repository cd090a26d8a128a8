"""Decode a 案号 (case number) into year, province, court code, case-type code and sequence.

Two styles are in use:

* since 2016-01-01 (SPC 《关于人民法院案件案号的若干规定》): ``（2016）皖1622刑初433号`` —
  year, province abbreviation, numeric court code (4 digits for basic courts, 2 for
  intermediate, none for high courts), an optional specialised-court marker, the
  case-type code (类型代字) and a sequence number;
* before 2016: ``（2013）蒙刑初字第00012号`` — year, a free-form court abbreviation, the
  case-type code (sometimes with a tribunal number: 刑二初), ``字第`` and a sequence.

The decoder is a pure function of the string; it never guesses: anything it cannot split
with confidence comes back with ``error`` set to a machine-readable reason.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flows.resources import SEEDS_DIR

# 案号 province abbreviations (内 for Inner Mongolia since 2016, 蒙 before; 兵 for the XPCC courts).
PROVINCE_ABBRS = "京津冀晋内蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔云藏陕甘青宁新兵"
SUPREME_COURT_ABBR = "最高法"
_CN_DIGITS = "一二三四五六七八九十"

_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "[": "(", "]": ")", "【": "(", "】": ")", "［": "(", "］": ")"})
_SHAPE = re.compile(r"^（(\d{4})）(.+?)(\d+)号$")
_MODERN_COURT = re.compile(rf"(最高法|[{PROVINCE_ABBRS}])(\d{{2,4}})?(\D{{0,2}})")
_CASE_NUMBER_IN_TEXT = re.compile(r"[（(〔\[［【]\s*(?:19|20)\d{2}\s*[）)〕\]］】][^\s，。；、（(）)]{1,24}?\d{1,6}\s*号")


@dataclass(frozen=True)
class CaseNumber:
    raw: str
    normalised: str | None = None
    year: int | None = None
    province_abbr: str | None = None
    court_code: str | None = None
    court_abbr: str | None = None
    case_type_code: str | None = None
    tribunal: str | None = None
    sequence: int | None = None
    style: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@lru_cache(maxsize=1)
def known_type_codes() -> tuple[str, ...]:
    """Case-type codes (类型代字) from the reference seed, longest first for suffix matching."""
    with open(SEEDS_DIR / "ref_case_types.csv", encoding="utf-8") as handle:
        codes = {row["case_type_code"] for row in csv.DictReader(handle) if row["case_type_code"]}
    return tuple(sorted(codes, key=lambda code: (-len(code), code)))


def normalise(raw: str) -> str:
    """Full-width digits to half-width, every bracket kind to ``(``/``)``, no whitespace."""
    text = unicodedata.normalize("NFKC", raw).translate(_BRACKETS)
    return re.sub(r"\s+", "", text)


def _split_type_code(body: str) -> tuple[str, str, str | None] | None:
    """Split ``<court part><type code>`` at the longest known type code at the end.

    Also accepts a tribunal numeral inside the code (刑二初 → 刑初, tribunal 二).
    Returns (court part, type code, tribunal) or None.
    """
    for code in known_type_codes():
        if body.endswith(code):
            return body[: -len(code)], code, None
    match = re.search(rf"([刑民行执赔])([{_CN_DIGITS}]{{1,2}})([初终再监申]|[初终再监申]\w?)$", body)
    if match:
        candidate = match.group(1) + match.group(3)
        if candidate in known_type_codes():
            return body[: match.start()], candidate, match.group(2)
    return None


def decode_case_number(raw: str | None) -> CaseNumber:
    if raw is None or not str(raw).strip():
        return CaseNumber(raw=raw or "", error="empty")
    text = normalise(str(raw)).replace("(", "（").replace(")", "）")
    if text in {"无", "/", "-"}:
        return CaseNumber(raw=raw, normalised=text, error="no_case_number")
    shape = _SHAPE.match(text)
    if not shape:
        return CaseNumber(raw=raw, normalised=text, error="unrecognised_shape")
    year, body, sequence = int(shape.group(1)), shape.group(2), int(shape.group(3))
    if not 1949 <= year <= 2100:
        return CaseNumber(raw=raw, normalised=text, error="implausible_year")
    legacy = body.endswith("字第") or body.endswith("字")
    if legacy:
        body = body.removesuffix("第").removesuffix("字")
    split = _split_type_code(body)
    if split is None:
        return CaseNumber(raw=raw, normalised=text, year=year, sequence=sequence, error="unknown_case_type_code")
    court_part, type_code, tribunal = split
    if not court_part:
        return CaseNumber(raw=raw, normalised=text, year=year, sequence=sequence, error="missing_court")
    common: dict[str, Any] = dict(
        raw=raw, normalised=text, year=year, case_type_code=type_code, tribunal=tribunal, sequence=sequence
    )
    modern = None if legacy else _MODERN_COURT.fullmatch(court_part)
    if modern:
        return CaseNumber(
            **common,
            province_abbr=modern.group(1),
            court_code=modern.group(2) or "",
            court_abbr=modern.group(3) or None,
            style="2016",
        )
    # Before 2016 the court part is the court's own short name (蒙 may be 蒙城县, not 内蒙古):
    # no province is read from it.
    return CaseNumber(**common, court_abbr=court_part, style="legacy")


def find_case_number(text: str | None, window: int = 600) -> str | None:
    """The first thing shaped like a 案号 in the opening of a document's text."""
    if not text:
        return None
    match = _CASE_NUMBER_IN_TEXT.search(text[:window])
    return re.sub(r"\s+", "", match.group(0)) if match else None
