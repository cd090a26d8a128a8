"""Turn captured full text (plain or CJO HTML) into clean paragraphs, and fingerprint it."""

from __future__ import annotations

import hashlib
import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_BLOCK_BREAK = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h[1-6]|/table|p|div|tr|li|h[1-6])\b[^>]*>", re.IGNORECASE)
_INLINE_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
# Full-width ASCII letters and digits become half-width; Chinese punctuation stays as it is.
_FULLWIDTH_ALNUM = {cp: cp - 0xFEE0 for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_FULLWIDTH_RUN = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters clean_text changes other than line breaks and plain spaces; most texts have none.
_UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
# Inline spaces other than " " that stay once control characters are gone (\f, \v are; \r breaks lines).
_OTHER_INLINE_SPACES = ("\t", "\u00a0", "\u3000")
_SPACE_RUN = re.compile("  +")


def looks_like_html(value: str) -> bool:
    return "<" in value and bool(_TAG.search(value))


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one line per block element; scripts and styles dropped."""
    marked = _BLOCK_BREAK.sub("\n", html)
    tree = HTMLParser(f"<div>{marked}</div>")
    for node in tree.css("script, style, noscript"):
        node.decompose()
    root = tree.body or tree.root
    return root.text(separator="") if root is not None else ""


def clean_text(value: str) -> str:
    """Plain paragraphs: HTML stripped, full-width letters/digits folded, whitespace collapsed.

    Lines have their runs of inline space collapsed to one space and are stripped; empty lines go.
    (Fast paths: character checks before substitutions, whole-text replaces instead of a regex per
    line, and str methods looping in C.)"""
    if looks_like_html(value):
        value = html_to_text(value)
    if _UNUSUAL.search(value):
        value = _FULLWIDTH_RUN.sub(_half_width, value)
        value = _CONTROL.sub("", value)
    # Inline space runs never hold a line break, so collapsing them over the whole text is
    # collapsing them line by line.
    for space in _OTHER_INLINE_SPACES:
        if space in value:
            value = value.replace(space, " ")
    if "  " in value:
        value = _SPACE_RUN.sub(" ", value)
    return "\n".join(filter(None, map(str.strip, value.splitlines())))


def _half_width(match: re.Match[str]) -> str:
    return match.group(0).translate(_FULLWIDTH_ALNUM)


def clean_field(value: str) -> tuple[str, bool]:
    """A short metadata field cleaned to one line; the flag says whether markup was removed."""
    had_markup = looks_like_html(value)
    text = clean_text(value) if had_markup else _CONTROL.sub("", value)
    return _INLINE_SPACE.sub(" ", text.replace("\n", " ")).strip(), had_markup


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
