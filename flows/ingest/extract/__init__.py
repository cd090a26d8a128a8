"""Metadata recovered from a judgment's full text, for fields a capture does not carry.

Pure functions of the cleaned text (see :func:`flows.ingest.text.clean_text`); each field is
None (or empty) when the text does not state it, never a guess.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from flows.ingest.case_number import find_case_number_span
from flows.ingest.extract.citations import cause_of, legal_basis
from flows.ingest.extract.closing import closing_date, judges_count
from flows.ingest.extract.heading import court_line, document_type_line, document_type_of, head_segments
from flows.ingest.extract.parties import party_roles


@dataclass(frozen=True)
class TextMetadata:
    court_name: str | None = None
    document_type: str | None = None
    document_type_line: str | None = None
    case_number: str | None = None
    judgment_date: date | None = None
    cause: str | None = None
    party_roles: dict[str, int] = field(default_factory=dict)
    judges_count: int | None = None
    legal_basis: list[str] = field(default_factory=list)

    @property
    def parties_count(self) -> int:
        return sum(self.party_roles.values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "judgment_date": self.judgment_date.isoformat() if self.judgment_date else None}


def extract_metadata(text: str, title: str | None = None) -> TextMetadata:
    segments = head_segments(text)
    type_line = document_type_line(segments)
    found = find_case_number_span(text)
    dated = closing_date(text)
    return TextMetadata(
        court_name=court_line(segments),
        document_type=document_type_of(type_line) or document_type_of(title),
        document_type_line=type_line,
        case_number=found[0] if found else None,
        judgment_date=dated[1] if dated else None,
        cause=cause_of(text, title),
        party_roles=party_roles(text, found[1] if found else 0),
        judges_count=judges_count(text, dated[0] if dated else None),
        legal_basis=legal_basis(text),
    )


__all__ = ["TextMetadata", "extract_metadata"]
