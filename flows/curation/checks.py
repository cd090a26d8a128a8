"""The checks derived from a codebook: the Great Expectations suite and the Frictionless Table Schema."""

from __future__ import annotations

from typing import Any

from flows.curation.codebook import Codebook
from flows.privacy.names import ROLE_NAME_PATTERN
from flows.privacy.redact import sql_literal

_FRICTIONLESS_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "date": "date"}


def header(codebook: Codebook) -> str:
    return f"Generated from datapackages/{codebook.name}/codebook.yaml by scripts/generate_curation.py: do not edit."


def suite_name(codebook: Codebook) -> str:
    return f"curation_{codebook.table}"


def gx_suite(codebook: Codebook) -> dict[str, Any]:
    key = codebook.key
    expectations: list[dict[str, Any]] = [
        _expectation("expect_column_values_to_be_unique", {"column": key}, f"one row per {key}")
    ]
    for v in codebook.published_variables:
        if v.required or v.name == key:
            expectations.append(_expectation("expect_column_values_to_not_be_null", {"column": v.name}, f"{v.name} is required"))
        if v.enum is not None:
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    {"column": v.name, "value_set": v.enum},
                    f"{v.name} uses the codebook's values",
                )
            )
        if v.minimum is not None or v.maximum is not None:
            bounds = {"column": v.name, "min_value": v.minimum, "max_value": v.maximum}
            expectations.append(
                _expectation("expect_column_values_to_be_between", bounds, f"{v.name} within the codebook's range")
            )
        if v.pattern is not None:
            shown = key if v.name == key else f"{key}, {v.name}"
            query = f"select {shown} from {{batch}} where not regexp_matches({v.name}, {_braces(sql_literal(v.pattern))})"
            expectations.append(
                _expectation("unexpected_rows_expectation", {"unexpected_rows_query": query}, f"{v.name} matches {v.pattern}")
            )
        if v.sensitive:
            leak = f"regexp_matches({v.name}, {_braces(sql_literal(ROLE_NAME_PATTERN))})"
            query = f"select {key} from {{batch}} where {leak}"
            expectations.append(
                _expectation(
                    "unexpected_rows_expectation",
                    {"unexpected_rows_query": query},
                    f"{v.name}: no name after a victim or witness role",
                )
            )
    return {
        "name": suite_name(codebook),
        "meta": {"table": codebook.table, "description": f"Mart gate over {codebook.table}. {header(codebook)}"},
        "expectations": expectations,
    }


def _braces(text: str) -> str:
    """GX fills ``{batch}`` with str.format: literal braces are doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def _expectation(kind: str, kwargs: dict[str, Any], description: str) -> dict[str, Any]:
    kwargs = {name: value for name, value in kwargs.items() if value is not None}
    return {"type": kind, "kwargs": kwargs, "severity": "critical", "description": description}


def frictionless_schema(codebook: Codebook) -> dict[str, Any]:
    """The Table Schema of the published codebook variables (fields, constraints, enum, primary key)."""
    fields = []
    for v in codebook.published_variables:
        constraints: dict[str, Any] = {}
        if v.required or v.name == codebook.key:
            constraints["required"] = True
        if v.unique or v.name == codebook.key:
            constraints["unique"] = True
        if v.enum is not None:
            constraints["enum"] = v.enum
        if v.minimum is not None:
            constraints["minimum"] = int(v.minimum) if v.type == "integer" else v.minimum
        if v.maximum is not None:
            constraints["maximum"] = int(v.maximum) if v.type == "integer" else v.maximum
        if v.pattern is not None:
            constraints["pattern"] = v.pattern
        field: dict[str, Any] = {"name": v.name, "type": _FRICTIONLESS_TYPES[v.type], "description": v.description}
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": [codebook.key]}
