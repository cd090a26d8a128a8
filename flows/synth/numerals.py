"""Numbers as judgments write them: Chinese numerals for dated closing lines and sentences,
Arabic dates in running text, rounded money amounts.

Dates in running text and in timestamps are looked up by ``date.toordinal()`` in tables built once
per process, as JSON-ready UTF-8 bytes: the generator joins bytes rather than formatting dates.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from random import Random

DIGITS = "〇一二三四五六七八九"
_UNITS = ((1000, "千"), (100, "百"), (10, "十"))
FIRST_DAY = date(1990, 1, 1).toordinal()  # the tables cover every day a synthetic document mentions
LAST_DAY = date(2045, 12, 31).toordinal()  # sentences served end up to 12 years after a judgment


@lru_cache(maxsize=20000)
def cn_number(n: int) -> str:
    """1..99999 in Chinese numerals: 264 → 二百六十四, 1079 → 一千零七十九, 12 → 十二."""
    if n < 0:
        raise ValueError(n)
    if n == 0:
        return "零"
    if n >= 10000:
        head, rest = divmod(n, 10000)
        tail = cn_number(rest) if rest else ""
        return cn_number(head) + "万" + ("零" if 0 < rest < 1000 else "") + tail
    out, pending_zero = [], False
    for value, unit in _UNITS:
        digit, n = divmod(n, value)
        if digit:
            if pending_zero:
                out.append("零")
            out.append(("" if value == 10 and digit == 1 and not out else DIGITS[digit]) + unit)
            pending_zero = False
        elif out:
            pending_zero = True
    if n:
        out.append(("零" if pending_zero else "") + DIGITS[n])
    return "".join(out)


@lru_cache(maxsize=8192)
def cn_date(day: date) -> str:
    """The dated closing line of a judgment: 2016-12-20 → 二〇一六年十二月二十日."""
    year = "".join(DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{cn_number(day.month)}月{cn_number(day.day)}日"


# Every day a document mentions, by ordinal - FIRST_DAY.
DAYS = [date.fromordinal(ordinal) for ordinal in range(FIRST_DAY, LAST_DAY + 1)]
YMD_BYTES = [f"{d.year}年{d.month}月{d.day}日".encode() for d in DAYS]  # Arabic, as in running text
ISO = [d.isoformat() for d in DAYS]  # 2016-12-20
ISO_BYTES = [text.encode() for text in ISO]


def year_of(day: int) -> int:
    return DAYS[day - FIRST_DAY].year


def amount(rng: Random, low: int, high: int) -> int:
    """A money amount with realistic rounding (1,980 / 25,000)."""
    value = low + int(rng.random() * (high - low))
    return value if rng.random() < 0.3 else max(low, value // 100 * 100)
