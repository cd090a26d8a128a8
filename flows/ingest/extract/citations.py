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
_LAW = re.compile(r"《([^《》]{2,60})》")
_ARTICLE = re.compile(
    r"第[零〇一二三四五六七八九十百千0-9]+条(?:之[一二三四五六七八九十]+)?(?:第[一二三四五六七八九十0-9]+款)?(?:第[（(]?[一二三四五六七八九十0-9]+[）)]?项)?"
)
# 被告人甲(、乙)犯X罪 (charged or convicted), not 因犯X罪 / 曾犯X罪 (a previous conviction).
_CHARGE = re.compile(r"(?:被告人|上诉人|罪犯|被告单位)[^，。；\s]{0,24}?(?<![因曾])犯(?=[^，。；：\s犯])")
_CHARGE_WORDS = re.compile(r"[^，。；：\s]{1,30}")
_SENTENCE_AFTER = re.compile(r"[，,]\s*(?:判处|免予|单处|决定执行)")
_CIVIL_CAUSE = re.compile(r"([^\s，。、与诉]{2,24}?纠纷)")
_STATED_CAUSE = re.compile(r"案由[：:为是]\s*([^\s，。；]{2,30})")


def legal_basis(text: str) -> list[str]:
    """Articles cited as the basis of the decision: ``《中华人民共和国刑法》第二百六十四条`` …"""
    cited: list[str] = []
    for span in _BASIS_SPAN.finditer(text):
        law = None
        for piece in re.split(r"(《[^《》]{2,60}》)", span.group(1)):
            named = _LAW.fullmatch(piece)
            if named:
                law = named.group(1)
                continue
            if law:
                cited.extend(f"《{law}》{article}" for article in _ARTICLE.findall(piece))
    return list(dict.fromkeys(cited))


@lru_cache(maxsize=1)
def known_causes() -> frozenset[str]:
    with open(SEEDS_DIR / "ref_causes.csv", encoding="utf-8") as handle:
        return frozenset(row["cause_name"] for row in csv.DictReader(handle))


def cause_of(text: str, title: str | None = None) -> str | None:
    """The cause of action (案由): a known stated cause, charge or civil cause, else a stated
    cause or charge as written. A civil candidate is only taken when known, as the words before
    纠纷 in a title can be a party's name."""
    stated = [m.group(1) for m in _STATED_CAUSE.finditer(text[:2000])]
    charges: list[str] = []
    verdicts: list[str] = []
    for opening in _CHARGE.finditer(text):
        words = _CHARGE_WORDS.match(text, opening.end())
        # Every cut at a 罪 is a candidate (掩饰、隐瞒犯罪所得罪 holds 犯罪), longest first.
        cuts = [words.group(0)[: i + 1] for i, ch in enumerate(words.group(0)) if ch == "罪"][::-1] if words else []
        charges += cuts
        if cuts and _SENTENCE_AFTER.match(text, opening.end() + len(cuts[0])):
            verdicts += cuts
    # The verdict's own words (…犯X罪，判处…) come first; the indictment's next.
    charges = verdicts + charges
    civil = [m.group(1) for m in _CIVIL_CAUSE.finditer(f"{title or ''} {text[:1500]}")]
    known = known_causes()
    for candidate in stated + charges:
        for form in (candidate, candidate.removesuffix("罪"), candidate + "罪"):
            if form in known:
                return form
    for candidate in civil:
        for start in range(len(candidate) - 2):
            if candidate[start:] in known:
                return candidate[start:]
    return (stated + charges)[0] if stated + charges else None
