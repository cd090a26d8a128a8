"""Metadata recovered from a judgment's full text, for fields a capture does not carry.

Pure functions of the cleaned text (see :func:`flows.ingest.text.clean_text`); each field is
None (or empty) when the text does not state it, never a guess.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
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


class TextFacts:
    """The fields of :class:`TextMetadata`, each read from the text on first use: ingest only
    pays for what a capture does not already carry."""

    def __init__(self, text: str, title: str | None = None):
        self.text, self.title = text, title

    @cached_property
    def _segments(self) -> list[str]:
        return head_segments(self.text)

    @cached_property
    def _case_number_span(self) -> tuple[str, int] | None:
        return find_case_number_span(self.text)

    @cached_property
    def _dated(self) -> tuple[int, date] | None:
        return closing_date(self.text)

    @cached_property
    def court_name(self) -> str | None:
        return court_line(self._segments)

    @cached_property
    def document_type_line(self) -> str | None:
        return document_type_line(self._segments)

    @cached_property
    def document_type(self) -> str | None:
        return document_type_of(self.document_type_line) or document_type_of(self.title)

    @cached_property
    def case_number(self) -> str | None:
        return self._case_number_span[0] if self._case_number_span else None

    @cached_property
    def judgment_date(self) -> date | None:
        return self._dated[1] if self._dated else None

    @cached_property
    def cause(self) -> str | None:
        return cause_of(self.text, self.title)

    @cached_property
    def party_roles(self) -> dict[str, int]:
        return party_roles(self.text, self._case_number_span[1] if self._case_number_span else 0)

    @cached_property
    def judges_count(self) -> int | None:
        return judges_count(self.text, self._dated[0] if self._dated else None)

    @cached_property
    def legal_basis(self) -> list[str]:
        return legal_basis(self.text)

    @property
    def parties_count(self) -> int:
        return sum(self.party_roles.values())

    def metadata(self) -> TextMetadata:
        return TextMetadata(
            court_name=self.court_name,
            document_type=self.document_type,
            document_type_line=self.document_type_line,
            case_number=self.case_number,
            judgment_date=self.judgment_date,
            cause=self.cause,
            party_roles=self.party_roles,
            judges_count=self.judges_count,
            legal_basis=self.legal_basis,
        )


def extract_metadata(text: str, title: str | None = None) -> TextMetadata:
    return TextFacts(text, title).metadata()


__all__ = ["TextFacts", "TextMetadata", "extract_metadata"]
