"""Redact names after protected roles, in SQL (export time and dbt models, big tables) and in Python (tests, small data).

The dbt macro ``redacted`` (dbt_project/macros/redaction.sql) gets its SQL from
:func:`redaction_sql_of`, so the full texts and curated fields redacted in the warehouse and
every column redacted on export go through the same expression.

Both keep the role and the surname and replace the given name with 某某 — the form courts are
required to use — so a redacted text reads like a properly anonymised judgment, the same name
always becomes the same placeholder, and redacting twice changes nothing. The pattern consumes
the character after a name, so a second role right after it (被害人张三证人李四) is only seen by
a second pass: both versions make two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import duckdb

from flows.privacy.names import PLACEHOLDER, ROLE_NAME_PATTERN

_PATTERN = re.compile(ROLE_NAME_PATTERN)
_REPLACEMENT_SQL = "\\1\\2\\3" + PLACEHOLDER + "\\5"


def redact_text(text: str | None) -> str | None:
    """``text`` with every role + full name replaced by role + surname + 某某."""
    if text is None:
        return None
    for _ in range(2):
        text = _PATTERN.sub(_placeholder, text)
    return text


def _placeholder(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2) + match.group(3) + PLACEHOLDER + match.group(5)


def find_role_names(text: str) -> list[str]:
    """Every unredacted role + full name in ``text`` (what the gate refuses to publish)."""
    return [match.group(1) + match.group(2) + match.group(3) + match.group(4) for match in _PATTERN.finditer(text)]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def redaction_sql(column: str) -> str:
    """A DuckDB expression: ``column`` (a quoted identifier is added) redacted like :func:`redact_text`."""
    return redaction_sql_of(_identifier(column))


def redaction_sql_of(expression: str) -> str:
    """A DuckDB expression: the SQL ``expression`` redacted like :func:`redact_text` (dbt's
    ``redacted`` macro gets its SQL from here, through flows.transform)."""
    arguments = f"{sql_literal(ROLE_NAME_PATTERN)}, {sql_literal(_REPLACEMENT_SQL)}, 'g'"
    # Most texts name no one: one search finds that at half the cost of two rewriting passes.
    replaced = f"regexp_replace(regexp_replace({expression}, {arguments}), {arguments})"
    return f"if({role_name_match_sql(expression)}, {replaced}, {expression})"


def role_name_match_sql(expression: str) -> str:
    """A DuckDB boolean: does the SQL ``expression`` still hold a role + full name?"""
    return f"regexp_matches({expression}, {sql_literal(ROLE_NAME_PATTERN)})"


def redacted_select(relation: str, text_columns: Iterable[str]) -> str:
    """``select * replace (…)`` of ``relation`` with every column in ``text_columns`` redacted."""
    replaced = ", ".join(f'{redaction_sql(column)} as "{column}"' for column in text_columns)
    target = _identifier(relation)
    return f"select * replace ({replaced}) from {target}" if replaced else f"select * from {target}"


def redacted_query(con: duckdb.DuckDBPyConnection, relation: str, as_stored: Iterable[str] = ()) -> str:
    """``select`` of every column of ``relation`` with every text column redacted (for exports),
    but those in ``as_stored`` (columns its model redacted already)."""
    return f"select {', '.join(published_columns(con, relation, as_stored=as_stored))} from {_identifier(relation)}"


def published_columns(
    con: duckdb.DuckDBPyConnection, relation: str, given: Mapping[str, str] | None = None, as_stored: Iterable[str] = ()
) -> list[str]:
    """The select list of ``relation`` as published, in its column order: every text column redacted,
    except those in ``given`` (column → SQL expression of its published value) and those
    ``as_stored`` (published as they are, like every other column)."""
    given = given or {}
    stored = set(as_stored)
    columns = con.execute(f"describe {_identifier(relation)}").fetchall()
    return [
        f"{given[name]} as {_identifier(name)}"
        if name in given
        else (f"{redaction_sql(name)} as {_identifier(name)}" if kind == "VARCHAR" and name not in stored else _identifier(name))
        for name, kind, *_ in columns
    ]
