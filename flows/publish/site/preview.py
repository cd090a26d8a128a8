"""A few first rows of a published Parquet table for its page, read by DuckDB where it lies.

Only the columns of the table's published schema are selected, and every value is cut short:
a page shows what the data looks like, it is not a way to read it.
"""

from __future__ import annotations

import logging

import duckdb

from flows.duck import connect
from flows.errors import WenshuError

log = logging.getLogger(__name__)

PREVIEW_ROWS = 5
MAX_CHARS = 60


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _short(value: object) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def preview_rows(uri: str, columns: list[str], rows: int = PREVIEW_ROWS) -> tuple[list[str], list[list[str]]] | None:
    """(columns, rows as short strings) of ``uri``; None if it cannot be read (the page says so)."""
    if not columns:
        return None
    selected = ", ".join(_ident(c) for c in columns)
    literal = "'" + uri.replace("'", "''") + "'"
    try:
        with connect(s3=uri.startswith("s3://")) as con:
            if uri.startswith("s3://"):
                con.execute("set http_timeout = 10000; set http_retries = 2")
            found = con.execute(f"select {selected} from read_parquet({literal}) limit {int(rows)}").fetchall()
    except (duckdb.Error, WenshuError, OSError) as exc:
        log.warning("no preview of %s: %s", uri, type(exc).__name__)
        return None
    return columns, [[_short(value) for value in row] for row in found]
