"""The heading of a judgment: court line, document type line, 案号 (and a title before them).

Full texts start ``<court> <document type> <案号>``, as separate paragraphs or joined by spaces
(research dumps); some captures put the document title first. Only whole paragraphs count, so
a court named inside a sentence is never taken for the heading.
"""

from __future__ import annotations

import re

# CJO's 文书类型 list (cls.json 01–10), the endings a title or type line carries.
DOCUMENT_TYPES = ("判决书", "裁定书", "调解书", "决定书", "通知书", "批复", "答复", "函", "支付令", "令")
_COURT_LINE = re.compile(r"[\u4e00-\u9fff（）()]{2,40}?(?:人民法院|法院|人民法庭|法庭)")
_TYPE_LINE = re.compile(r"[\u4e00-\u9fff]{0,16}?(" + "|".join(DOCUMENT_TYPES[:5]) + ")")
_HEAD_SEGMENTS = 8
_WHITESPACE = re.compile(r"\s+")


def head_segments(text: str, limit: int = _HEAD_SEGMENTS) -> list[str]:
    """The first paragraphs, split on line breaks and on the spaces research dumps join them
    with; a line spaced out for layout (``民 事 判 决 书``) stays one segment."""
    segments: list[str] = []
    for line in text[:600].splitlines():
        squeezed = _WHITESPACE.sub("", line)
        if _COURT_LINE.fullmatch(squeezed) or _TYPE_LINE.fullmatch(squeezed):
            segments.append(squeezed)
        else:
            segments.extend(_join_spaced_letters(line.split()))
    return segments[:limit]


def _join_spaced_letters(words: list[str]) -> list[str]:
    """Runs of one-character words are one spaced-out line (``刑 事 判 决 书`` → ``刑事判决书``)."""
    joined: list[str] = []
    for word, previous in zip(words, [None, *words], strict=False):
        if len(word) == 1 and previous is not None and len(previous) == 1:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def court_line(segments: list[str]) -> str | None:
    return next((seg for seg in segments if _COURT_LINE.fullmatch(seg)), None)


def document_type_of(line: str | None) -> str | None:
    """判决书/裁定书/… for a title or type line ending in one (刑事附带民事判决书 → 判决书)."""
    if not line:
        return None
    line = _WHITESPACE.sub("", line)
    return next((kind for kind in DOCUMENT_TYPES if line.endswith(kind)), None)


def document_type_line(segments: list[str]) -> str | None:
    """The type line itself (刑事判决书, 民事裁定书), preferring the one after the court line."""
    court = court_line(segments)
    start = segments.index(court) + 1 if court else 0
    ordered = segments[start:] + segments[:start]
    exact = (seg for seg in ordered if _TYPE_LINE.fullmatch(seg))
    # Scraping debris can stick to the line (``t〉刑事判决书``): then its typed ending counts.
    ending = (match.group(0) for seg in ordered[:2] if (match := _TYPE_LINE.search(seg)) and match.end() == len(seg))
    return next(exact, next(ending, None))
