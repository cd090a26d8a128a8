"""The closing block: 审判长/审判员/人民陪审员 names, the judgment date in Chinese numerals, 书记员.

Appended law texts and reasons contain dates too, so the judgment date is the date that sits
in the signature block (judges' titles just before it or the clerk just after it); only when no
date does is the last Chinese-numeral date taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from flows.ingest.extract.numerals import CN_DATE, date_of_match

JUDGE_TITLES = ("代理审判长", "审判长", "代理审判员", "审判员", "人民陪审员", "陪审员")
_JUDGE = re.compile("|".join(JUDGE_TITLES))
# Matched at the end of a date (``match(text, end)``: no ``^``, which would not match there).
_CLERK_AFTER = re.compile(r"\s*(?:代理)?书\s*记\s*员")
_CLERK_ANYWHERE = re.compile(r"(?:代理)?书\s*记\s*员")
# A judge's title and name right before the date: the date closes the signature block.
_SIGNED = re.compile("(?:" + "|".join(JUDGE_TITLES) + r")[^\d，。；：《》、]{1,12}$")
_SIGNATURE_WINDOW = 160


def _signature_before(text: str, start: int) -> str:
    """Text between the last full stop before ``start`` and ``start``, spaces removed."""
    window = text[max(0, start - _SIGNATURE_WINDOW) : start]
    cut = max(window.rfind("。"), window.rfind("！"), window.rfind("？"))
    return "".join(window[cut + 1 :].split())


def _is_signed(text: str, start: int, end: int) -> bool:
    return bool(_SIGNED.search(_signature_before(text, start)) or _CLERK_AFTER.match(text, end, end + 20))


def _dates_from_the_end(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``CN_DATE.finditer(text)``, last first, found from each 年 backwards
    instead of trying the pattern at every position. A date holds exactly one 年, preceded
    (after optional spaces) by its four year digits, so each 年 gives the one place a date
    containing it can start; and two dates never overlap, so every such date is one finditer
    finds."""
    at = len(text)
    while (at := text.rfind("年", 0, at)) >= 0:
        start = at
        while start and text[start - 1].isspace():
            start -= 1
        if start >= 4 and (match := CN_DATE.match(text, start - 4)):
            yield match


def closing_date(text: str) -> tuple[int, date] | None:
    """(position, date) of the judgment date in the signature block: the last signed date, else
    the last date in Chinese numerals."""
    chinese = None
    for match in _dates_from_the_end(text):
        day = date_of_match(match)
        if day is None:
            continue
        if _is_signed(text, match.start(), match.end()):
            return match.start(), day
        if chinese is None and not text[match.start()].isdigit():
            chinese = (match.start(), day)
    return chinese


def judges_count(text: str, date_position: int | None) -> int | None:
    """Judges signing the document (审判长, 审判员, 人民陪审员 …), counted by title before the
    date (or before the clerk, when the date is missing or redacted)."""
    if date_position is None:
        clerks = list(_CLERK_ANYWHERE.finditer(text))
        if not clerks:
            return None
        date_position = clerks[-1].start()
    count = len(_JUDGE.findall(_signature_before(text, date_position)))
    return count or None
