"""Read a researcher's CSV or XLSX file into header-keyed rows of text, numbered as in the sheet.

CSV may be UTF-8 (with or without BOM) or GB18030/GBK, as Excel on a Chinese system saves it.
XLSX is read with openpyxl in read-only mode (the first sheet); dates and numbers are turned
into the text a person would type, so both formats go through the same coercion.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flows.errors import SourceError

CURATION_SUFFIXES = (".csv", ".xlsx")
Row = tuple[int, dict[str, str]]  # (row number in the sheet, header → cell text)


def is_curation_file(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return not name.startswith((".", "~$")) and name.lower().endswith(CURATION_SUFFIXES)


def read_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header and an iterator over data rows; row numbers count the header as row 1."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    return _csv_rows(path)


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(f"{path.name}: not UTF-8 or GB18030 text; save the sheet as CSV UTF-8")


def _csv_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    reader = csv.reader(io.StringIO(_decode(path.read_bytes(), path), newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise SourceError(f"{path.name}: empty file, expected a header row") from None
    except csv.Error as error:
        raise SourceError(f"{path.name}: not a readable CSV ({error})") from error

    def rows() -> Iterator[Row]:
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield reader.line_num, _row(header, cells)
        except csv.Error as error:
            raise SourceError(f"{path.name} line {reader.line_num}: not readable CSV ({error})") from error

    return header, rows()


def _xlsx_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError and its own errors
        raise SourceError(f"{path.name}: not a readable XLSX workbook ({type(error).__name__}: {error})") from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(cell).strip() for cell in next(values)]
    except StopIteration:
        workbook.close()
        raise SourceError(f"{path.name}: empty sheet, expected a header row") from None

    def rows() -> Iterator[Row]:
        try:
            for number, cells in enumerate(values, start=2):
                texts = [_cell_text(cell) for cell in cells]
                if any(text.strip() for text in texts):
                    yield number, _row(header, texts)
        finally:
            workbook.close()

    return header, rows()


def _row(header: list[str], cells: list[str]) -> dict[str, str]:
    row = {name: cells[index] if index < len(cells) else "" for index, name in enumerate(header) if name}
    if len(cells) > len(header):
        row["\0extra"] = ",".join(cells[len(header) :])
    return row


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
