"""clean_text against its definition, written plainly a line at a time (it takes shortcuts)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.ingest.text import clean_text, text_sha256

_FULLWIDTH = {point: point - 0xFEE0 for point in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_CONTROL = {point: None for point in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
_INLINE_SPACE_RUN = re.compile("[ \t\u00a0\u3000]+")


def _by_definition(value: str) -> str:
    """Full-width letters and digits folded, control characters dropped; then each line's runs of
    inline space made one space, the line stripped, and empty lines dropped."""
    value = value.translate(_FULLWIDTH).translate(_CONTROL)
    lines = (_INLINE_SPACE_RUN.sub(" ", line).strip() for line in value.splitlines())
    return "\n".join(line for line in lines if line)


# what the shortcuts could get wrong: every kind of space and line break, controls, full-width forms
_ALPHABET = list("ab中文，。Ａｚ１９ \t\u00a0\u3000\u2003\u200b\n\r\x0b\x0c\x1c\x1e\x85\u2028\u2029\x00\x07\x7f")


@settings(max_examples=2000)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_clean_text_is_its_definition(value: str) -> None:
    assert clean_text(value) == _by_definition(value)


def test_a_cjo_paragraph_layout() -> None:
    raw = "\u3000\u3000北京市海淀区人民法院\r\n\r\n\u3000\u3000民 事 判 决 书\n\u3000\u3000（２０１８）京0108民初１号\u3000\u3000\n \t \n原告：甲，\u3000\u3000男。"
    cleaned = clean_text(raw)
    assert cleaned == "北京市海淀区人民法院\n民 事 判 决 书\n（2018）京0108民初1号\n原告：甲， 男。"
    assert text_sha256(cleaned) == text_sha256(_by_definition(raw))
