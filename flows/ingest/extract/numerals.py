"""Chinese-numeral dates as judgments close: 二〇一六年十二月二十日, 二零一七年元月三日, 2016年12月20日."""

from __future__ import annotations

import re
from datetime import date

_DIGIT = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0, "Ο": 0, "０": 0, "o": 0}
_DIGIT |= {str(i): i for i in range(10)} | {chr(0xFF10 + i): i for i in range(10)}
_YEAR_DIGITS = "".join(_DIGIT)
_SMALL = "一二三四五六七八九十〇零两元廿卅" + "0123456789"
CN_DATE = re.compile(rf"([{_YEAR_DIGITS}]{{4}})\s*年\s*([{_SMALL}]{{1,3}})\s*月\s*([{_SMALL}]{{1,3}})\s*日")


def small_number(text: str) -> int | None:
    """1–99 written as 十 / 十二 / 二十 / 二十一 / 廿一 / 元 (first) / 12; None when malformed."""
    text = text.replace("廿", "二十").replace("卅", "三十").replace("两", "二")
    if text == "元":
        return 1
    if text.isascii() and text.isdigit():
        return int(text)
    if "十" not in text:
        return _DIGIT[text] if len(text) == 1 and text in _DIGIT and text not in "〇零" else None
    tens_text, _, units_text = text.partition("十")
    tens = 1 if tens_text == "" else _DIGIT.get(tens_text) if len(tens_text) == 1 else None
    units = 0 if units_text == "" else _DIGIT.get(units_text) if len(units_text) == 1 else None
    if not tens or units is None:
        return None
    return tens * 10 + units


def parse_cn_date(text: str) -> date | None:
    """The date of one ``…年…月…日`` string (Chinese numerals or digits), or None if impossible."""
    match = CN_DATE.fullmatch(text.strip())
    if not match:
        return None
    return date_of_match(match)


def date_of_match(match: re.Match[str]) -> date | None:
    """The date of a :data:`CN_DATE` match, or None if impossible."""
    year = int("".join(str(_DIGIT[ch]) for ch in match.group(1)))
    month, day = small_number(match.group(2)), small_number(match.group(3))
    if month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
