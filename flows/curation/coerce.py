"""Check one row against its codebook: typed values, or every problem with its column and reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flows.curation.codebook import Codebook, Variable

_TRUE = {"true", "1", "yes", "y", "是", "对", "t"}
_FALSE = {"false", "0", "no", "n", "否", "不", "f"}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class Problem:
    column: str
    reason: str  # machine-readable: missing_required, not_integer, out_of_range, …
    detail: str


def header_map(codebook: Codebook, header: list[str]) -> dict[str, str]:
    """Variable name → the header that holds it (the variable's name or its label)."""
    present = set(header)
    found = {}
    for variable in codebook.variables:
        for candidate in (variable.name, variable.label):
            if candidate and candidate in present:
                found[variable.name] = candidate
                break
    return found


def coerce_row(codebook: Codebook, headers: dict[str, str], cells: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems = []
    for variable in codebook.variables:
        header = headers.get(variable.name)
        text = cells.get(header, "").strip() if header else ""
        if not text:
            values[variable.name] = None
            if variable.required:
                reason = "missing_required" if header else "missing_column"
                problems.append(Problem(variable.name, reason, f"{variable.name} is required"))
            continue
        try:
            values[variable.name] = _typed(variable, text)
        except _Invalid as invalid:
            values[variable.name] = None
            problems.append(Problem(variable.name, invalid.reason, invalid.detail))
    if "\0extra" in cells:
        problems.append(Problem("", "extra_cells", "the row has more cells than the header"))
    return values, problems


class _Invalid(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def _typed(variable: Variable, text: str) -> Any:
    value: Any
    if variable.type == "integer":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise _Invalid("not_integer", f"{variable.name}: {text[:40]!r} is not a whole number") from None
        if not number.is_integer():
            raise _Invalid("not_integer", f"{variable.name}: {text[:40]!r} is not a whole number")
        value = int(number)
    elif variable.type == "number":
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            raise _Invalid("not_number", f"{variable.name}: {text[:40]!r} is not a number") from None
    elif variable.type == "boolean":
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise _Invalid("not_boolean", f"{variable.name}: {text[:40]!r} is not true/false (是/否)")
        value = lowered in _TRUE
    elif variable.type == "date":
        value = _date(variable, text)
    else:
        value = text
    _check_constraints(variable, value)
    return value


def _date(variable: Variable, text: str) -> date:
    match = _DATE.match(text[:10] if len(text) > 10 and text[10] in "T " else text)
    try:
        if match is None:
            raise ValueError
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise _Invalid("not_date", f"{variable.name}: {text[:40]!r} is not a date (YYYY-MM-DD)") from None


def _check_constraints(variable: Variable, value: Any) -> None:
    if variable.enum is not None and value not in variable.enum:
        raise _Invalid("not_allowed", f"{variable.name}: {str(value)[:40]!r} is not one of the codebook's values")
    if variable.minimum is not None and value < variable.minimum:
        raise _Invalid("out_of_range", f"{variable.name}: {value} is below {variable.minimum:g}")
    if variable.maximum is not None and value > variable.maximum:
        raise _Invalid("out_of_range", f"{variable.name}: {value} is above {variable.maximum:g}")
    if variable.pattern is not None and not re.search(variable.pattern, value):
        raise _Invalid("pattern_mismatch", f"{variable.name}: {value[:40]!r} does not match {variable.pattern}")
