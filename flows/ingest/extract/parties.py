"""The parties block after the 案号: who takes part, counted per procedural role.

Each party opens a paragraph with its role (``被告人张3，男，…``, ``上诉人（原审被告人）李四``).
Representatives (辩护人, 委托诉讼代理人, 法定代表人 …) are not parties and are skipped; the block
ends at the first paragraph that tells the case history (…一案, 指控, 提起公诉 …). Only counts
leave this module: the names stay in the private raw text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from itertools import islice

# Longest first, so 被上诉人 is not read as 上诉人 and 被告人 not as 被告.
PARTY_ROLES = tuple(sorted((
    "公诉机关", "原公诉机关", "抗诉机关", "自诉人", "附带民事诉讼原告人", "附带民事诉讼被告人",
    "原告", "被告", "被告人", "上诉人", "被上诉人", "原审原告", "原审被告", "原审被告人",
    "原审上诉人", "原审第三人", "第三人", "申请人", "被申请人", "再审申请人", "申诉人",
    "申请执行人", "被执行人", "复议申请人", "异议人", "罪犯", "赔偿请求人", "赔偿义务机关",
    "申请再审人", "被申诉人", "案外人", "被告单位", "原审被告单位", "上诉单位", "附带民事公益诉讼起诉人",
), key=len, reverse=True))  # fmt: skip
_REPRESENTATIVES = ("辩护人", "委托代理人", "委托诉讼代理人", "诉讼代理人", "法定代理人", "指定代理人",
                    "法定代表人", "负责人", "代表人", "翻译人员", "诉讼代表人")  # fmt: skip
_ROLE = re.compile(r"^(" + "|".join(PARTY_ROLES) + r")(?:[（(][^）)]{0,30}[）)])?[：:]?(?=\S)")
_STORY = re.compile(r"一案|指控|提起公诉|提起诉讼|向本院|本院受理|本院于|审理终结|立案后|不服|申请再审|经审理")
# A paragraph opening with a role can still be the story: 原告甲诉被告乙…纠纷一案.
_STORY_OPENING_WITH_ROLE = re.compile(r"一案|诉被告|诉原告|提起诉讼|提起公诉|指控|不服")
_MAX_SEGMENTS = 80
_WORD = re.compile(r"\S+")


def _segments_after_heading(text: str, case_number_end: int) -> Iterator[str]:
    """The words of ``text[case_number_end:].split()``, at most _MAX_SEGMENTS, read only as far
    as they are used (the block usually ends within a few paragraphs of a long text)."""
    for match in islice(_WORD.finditer(text, case_number_end), _MAX_SEGMENTS):
        yield match.group(0)


def party_roles(text: str, case_number_end: int) -> dict[str, int]:
    """Parties per role, e.g. ``{"公诉机关": 1, "被告人": 2}``; empty when no block is found."""
    roles: Counter[str] = Counter()
    for segment in _segments_after_heading(text, case_number_end):
        match = _ROLE.match(segment)
        if match and roles and _STORY_OPENING_WITH_ROLE.search(segment):
            break
        if match:
            roles[match.group(1)] += 1
            continue
        if segment.startswith(_REPRESENTATIVES):
            continue
        if _STORY.search(segment):
            break
    return dict(roles)
