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
_HEADING_CHARS = 120
_WHITESPACE = re.compile(r"\s+")
_HAS_CJK_BODY = re.compile(r"[）)〕\]］】][^\d]*[\u4e00-\u9fff]")
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
def _type_code_set() -> tuple[frozenset[str], int]:
    """The known codes as a set, and the longest code's length (for suffix lookups)."""
    codes = known_type_codes()
    return frozenset(codes), len(codes[0]) if codes else 0


@lru_cache(maxsize=1)
def known_type_codes() -> tuple[str, ...]:
    """Case-type codes (类型代字) from the reference seed, longest first for suffix matching."""
    with open(SEEDS_DIR / "ref_case_types.csv", encoding="utf-8") as handle:
        codes = {row["case_type_code"] for row in csv.DictReader(handle) if row["case_type_code"]}
    return tuple(sorted(codes, key=lambda code: (-len(code), code)))


def normalise(raw: str) -> str:
    """Full-width digits to half-width, every bracket kind to ``(``/``)``, no whitespace."""
    text = unicodedata.normalize("NFKC", raw).translate(_BRACKETS)
    return _WHITESPACE.sub("", text)


# Legacy (pre-2016) codes stack modifiers after the category: a tribunal numeral (刑二初),
# a procedure stage (刑再终, 刑监一再终, 刑抗再) or a fast-track/remand marker (刑速初, 刑重).
_CATEGORIES = "刑民行执赔"
_LEGACY_MODIFIERS = _CN_DIGITS + "初终再监申抗重速复核更提审"
_LEGACY_TYPE = re.compile(rf"([{_CATEGORIES}])([{_LEGACY_MODIFIERS}]{{1,5}})$")
# The stage a stacked code ends up in, most specific first: any retrial is 再, a remand
# (重) or a fast-track trial (速) is a first instance.
_STAGE_OF_MARKER = (("再", "再"), ("抗", "抗"), ("监", "监"), ("申", "申"), ("终", "终"), ("初", "初"),
                    ("重", "初"), ("速", "初"), ("核", "核"), ("更", "更"))  # fmt: skip


def _split_type_code(body: str) -> tuple[str, str, str | None] | None:
    """Split ``<court part><type code>`` at the longest known type code at the end.

    Legacy stacked codes are reduced to the standard code of their stage (刑二初 → 刑初,
    tribunal 二; 刑再终 → 刑再; 刑速初 → 刑初). Returns (court part, type code, tribunal) or None.
    """
    codes, longest = _type_code_set()
    # The longest known code the body ends with (the first of known_type_codes() it ends with).
    for length in range(min(longest, len(body)), 0, -1):
        if body[-length:] in codes:
            return body[:-length], body[-length:], None
    match = _LEGACY_TYPE.search(body)
    if not match:
        return None
    category, modifiers = match.groups()
    tribunal = "".join(ch for ch in modifiers if ch in _CN_DIGITS) or None
    markers = "".join(ch for ch in modifiers if ch not in _CN_DIGITS)
    candidates = [category + markers] + [category + stage for marker, stage in _STAGE_OF_MARKER if marker in markers]
    for candidate in candidates:
        if candidate in codes:
            return body[: match.start()], candidate, tribunal
    return None


def decode_case_number(raw: str | None) -> CaseNumber:
    # Ingest decodes a record's 案号 twice (found in the text, then the field): remember a few.
    return _decode_cached(raw) if isinstance(raw, str) else _decode(raw)


@lru_cache(maxsize=256)
def _decode_cached(raw: str) -> CaseNumber:
    return _decode(raw)


def _decode(raw: str | None) -> CaseNumber:
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
        return _partial(raw, text, year, body, sequence, legacy)
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


def _partial(raw: str, text: str, year: int, body: str, sequence: int, legacy: bool) -> CaseNumber:
    """An unknown case-type code: keep the year and, for the 2016 style, the court it names."""
    modern = None if legacy else re.match(r"(最高法|[" + PROVINCE_ABBRS + r"])(\d{2,4})(?=\D)", body)
    return CaseNumber(
        raw=raw,
        normalised=text,
        year=year,
        sequence=sequence,
        province_abbr=modern.group(1) if modern else None,
        court_code=modern.group(2) if modern else None,
        style="2016" if modern else None,
        error="unknown_case_type_code",
    )


def find_case_number_span(text: str | None, window: int = 600) -> tuple[str, int] | None:
    """(案号, end offset) of the document's own 案号 in the opening of its text.

    Its own 案号 is a paragraph of the heading; one inside a sentence is another court's
    (…以（2010）湛中法刑二初字第26号刑事判决…) and only taken in the first lines. Among
    candidates, the first that decodes wins, else the first (so the failure is reported)."""
    if not text:
        return None
    candidates = []
    for m in _CASE_NUMBER_IN_TEXT.finditer(text[:window]):
        standalone = (m.start() == 0 or text[m.start() - 1].isspace()) and (m.end() == len(text) or text[m.end()].isspace())
        if _HAS_CJK_BODY.search(m.group(0)) and (standalone or m.start() < _HEADING_CHARS):
            candidates.append((_WHITESPACE.sub("", m.group(0)), m.end(), standalone))
    candidates.sort(key=lambda c: not c[2])
    decoded = ((number, end) for number, end, _ in candidates if decode_case_number(number).ok)
    return next(decoded, candidates[0][:2] if candidates else None)


def find_case_number(text: str | None, window: int = 600) -> str | None:
    found = find_case_number_span(text, window)
    return found[0] if found else None
