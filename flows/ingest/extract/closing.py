"""The closing block: 审判长/审判员/人民陪审员 names, the judgment date in Chinese numerals, 书记员.

Appended law texts and reasons contain dates too, so the judgment date is the date that sits
in the signature block (judges' titles just before it or the clerk just after it); only when no
date does is the last Chinese-numeral date taken.
"""

from __future__ import annotations

import re
from datetime import date

from flows.ingest.extract.numerals import iter_cn_dates

JUDGE_TITLES = ("代理审判长", "审判长", "代理审判员", "审判员", "人民陪审员", "陪审员")
_JUDGE = re.compile("|".join(JUDGE_TITLES))
_CLERK = re.compile(r"^\s*(?:代理)?书\s*记\s*员")
# A judge's title and name right before the date: the date closes the signature block.
_SIGNED = re.compile("(?:" + "|".join(JUDGE_TITLES) + r")[^\d，。；：《》、]{1,12}$")
_SIGNATURE_WINDOW = 160


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _signature_before(text: str, start: int) -> str:
    """Text between the last full stop before ``start`` and ``start``, spaces removed."""
    window = text[max(0, start - _SIGNATURE_WINDOW) : start]
    cut = max(window.rfind(stop) for stop in "。！？")
    return _squeezed(window[cut + 1 :])


def closing_date(text: str) -> tuple[int, date] | None:
    """(position, date) of the judgment date in the signature block."""
    dates = iter_cn_dates(text)
    signed = [
        (start, day)
        for start, end, day in dates
        if _SIGNED.search(_signature_before(text, start)) or _CLERK.match(text[end : end + 20])
    ]
    if signed:
        return signed[-1]
    chinese = [(start, day) for start, end, day in dates if not text[start].isdigit()]
    return chinese[-1] if chinese else None


def judges_count(text: str, date_position: int | None) -> int | None:
    """Judges signing the document (审判长, 审判员, 人民陪审员 …), counted by title before the
    date (or before the clerk, when the date is missing or redacted)."""
    if date_position is None:
        clerks = list(re.finditer(r"(?:代理)?书\s*记\s*员", text))
        if not clerks:
            return None
        date_position = clerks[-1].start()
    count = len(_JUDGE.findall(_signature_before(text, date_position)))
    return count or None
