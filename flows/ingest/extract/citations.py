"""What a judgment cites and charges: legal basis articles (依照《…》第…条…之规定) and the cause.

The cause of action is read from the sources a judgment states it in, in order: the charge
(被告人…犯X罪), a civil title (…X纠纷一审民事判决书), an explicit 案由. A reference list of
causes (dbt seed ``ref_causes``) is preferred, so a charge like ``犯盗窃罪`` gives ``盗窃罪``.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from flows.resources import SEEDS_DIR

_BASIS_SPAN = re.compile(r"(?:依照|根据|依据|按照)(.{0,600}?)(?:之规定|的规定|规定)")
_BASIS_OPENERS = ("依照", "根据", "依据", "按照")
_BASIS_WINDOW = 600
_LAW = re.compile(r"《([^《》]{2,60})》")
_LAW_SPLIT = re.compile(r"(《[^《》]{2,60}》)")
_ARTICLE = re.compile(
    r"第[零〇一二三四五六七八九十百千0-9]+条(?:之[一二三四五六七八九十]+)?(?:第[一二三四五六七八九十0-9]+款)?(?:第[（(]?[一二三四五六七八九十0-9]+[）)]?项)?"
)
# 被告人甲(、乙)犯X罪 (charged or convicted), not 因犯X罪 / 曾犯X罪 (a previous conviction).
_CHARGE_OPENERS = ("被告人", "上诉人", "罪犯", "被告单位")
_CHARGE = re.compile("(?:" + "|".join(_CHARGE_OPENERS) + r")[^，。；\s]{0,24}?(?<![因曾])犯(?=[^，。；：\s犯])")
_CHARGE_WORDS = re.compile(r"[^，。；：\s]{1,30}")
_SENTENCE_AFTER = re.compile(r"[，,]\s*(?:判处|免予|单处|决定执行)")
_CIVIL_CAUSE = re.compile(r"([^\s，。、与诉]{2,24}?纠纷)")
_STATED_CAUSE = re.compile(r"案由[：:为是]\s*([^\s，。；]{2,30})")


def legal_basis(text: str) -> list[str]:
    """Articles cited as the basis of the decision: ``《中华人民共和国刑法》第二百六十四条`` …"""
    cited: list[str] = []
    for span in _basis_spans(text):
        law = None
        for piece in _LAW_SPLIT.split(span):
            named = _LAW.fullmatch(piece)
            if named:
                law = named.group(1)
                continue
            if law:
                cited.extend(f"《{law}》{article}" for article in _ARTICLE.findall(piece))
    return list(dict.fromkeys(cited))


def _starts(text: str, words: tuple[str, ...]) -> list[int]:
    """Where any of ``words`` starts in ``text``, in order. Found by their first characters:
    str.find of one character skips through a text far faster than of a word (or than the regex
    engine tries an alternation at every position)."""
    found = []
    for first in dict.fromkeys(word[0] for word in words):
        these = tuple(word for word in words if word[0] == first)
        at = text.find(first)
        while at >= 0:
            if text.startswith(these, at):
                found.append(at)
            at = text.find(first, at + 1)
    return sorted(found)


def _basis_spans(text: str) -> list[str]:
    """The group of every ``_BASIS_SPAN`` match, in order, found with str.find instead of the
    regex's character-by-character lazy search: the span after an opener ends at the first 规定
    (one character earlier for 之规定/的规定), if that is within the window and on the same line."""
    spans = []
    pos = 0
    for opener in _starts(text, _BASIS_OPENERS):
        if opener < pos:
            continue
        start = opener + 2
        stop = text.find("规定", start, start + _BASIS_WINDOW + 3)
        if stop > start and text[stop - 1] in "之的":
            stop -= 1
        if 0 <= stop <= start + _BASIS_WINDOW and "\n" not in text[start:stop]:
            spans.append(text[start:stop])
            pos = stop + (3 if text[stop] in "之的" else 2)
    return spans


@lru_cache(maxsize=1)
def known_causes() -> frozenset[str]:
    with open(SEEDS_DIR / "ref_causes.csv", encoding="utf-8") as handle:
        return frozenset(row["cause_name"] for row in csv.DictReader(handle))


def cause_of(text: str, title: str | None = None) -> str | None:
    """The cause of action (案由): a known stated cause, charge or civil cause, else a stated
    cause or charge as written. A civil candidate is only taken when known, as the words before
    纠纷 in a title can be a party's name. Each source is only read when the ones before it
    name no known cause."""
    known = known_causes()
    stated = [m.group(1) for m in _STATED_CAUSE.finditer(text, 0, 2000)] if "案由" in text else []
    found = _first_known(stated, known)
    if found:
        return found
    charges = _charges(text)
    found = _first_known(charges, known)
    if found:
        return found
    for candidate in _civil_causes(f"{title or ''} {text[:1500]}"):
        for start in range(len(candidate) - 2):
            if candidate[start:] in known:
                return candidate[start:]
    return (stated + charges)[0] if stated + charges else None


def _first_known(candidates: list[str], known: frozenset[str]) -> str | None:
    for candidate in candidates:
        for form in (candidate, candidate.removesuffix("罪"), candidate + "罪"):
            if form in known:
                return form
    return None


def _charges(text: str) -> list[str]:
    """Charges as written: the verdict's own words (…犯X罪，判处…) first, the indictment's next."""
    charges: list[str] = []
    verdicts: list[str] = []
    if "犯" not in text:
        return charges
    pos = 0
    # _CHARGE.finditer(text), trying the pattern only where a match can start.
    for start in _starts(text, _CHARGE_OPENERS):
        # No 犯 within reach of the opener (its 4 characters, 24 more, then 犯): no match.
        if start < pos or "犯" not in text[start : start + 29] or not (opening := _CHARGE.match(text, start)):
            continue
        pos = opening.end()
        words = _CHARGE_WORDS.match(text, opening.end())
        if not words or "罪" not in words.group(0):
            continue
        # Every cut at a 罪 is a candidate (掩饰、隐瞒犯罪所得罪 holds 犯罪), longest first.
        span = words.group(0)
        cuts = []
        at = span.find("罪")
        while at >= 0:
            cuts.append(span[: at + 1])
            at = span.find("罪", at + 1)
        cuts.reverse()
        charges += cuts
        if _SENTENCE_AFTER.match(text, opening.end() + len(cuts[0])):
            verdicts += cuts
    return verdicts + charges


def _civil_causes(value: str) -> list[str]:
    """What ``_CIVIL_CAUSE.finditer(value)`` finds, searching only the stretch before each 纠纷
    a match can start in (at most 24 characters back) instead of trying every position."""
    found: list[str] = []
    pos = 0
    at = value.find("纠纷", 2)
    while at >= 0:
        match = _CIVIL_CAUSE.search(value, max(pos, at - 24), at + 2)
        if match:
            found.append(match.group(1))
            pos = match.end()
            at = value.find("纠纷", pos + 2)
        else:
            at = value.find("纠纷", at + 1)
    return found
