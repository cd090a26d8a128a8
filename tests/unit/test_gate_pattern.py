"""The gate searches Parquet values with one pattern: canaries as literals, plus the role names."""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows.privacy import CANARY_NAMES, scan_files


def parquet(path: Path, values: list[str]) -> Path:
    rows = ", ".join("('" + value.replace("'", "''") + "')" for value in values)
    duckdb.sql(f"copy (select * from (values {rows}) t(text)) to '{path}' (format parquet)")
    return path


def test_canaries_are_searched_as_literals_and_role_names_still_found(tmp_path: Path) -> None:
    dotted = parquet(tmp_path / "dotted.parquet", ["张a.b某", "平常的文字"])
    lookalike = parquet(tmp_path / "lookalike.parquet", ["张axb某", "平常的文字"])
    assert [(f.kind, f.where) for f in scan_files([dotted], ["a.b"])] == [("canary", "column text")]
    assert scan_files([lookalike], ["a.b", "("]) == []  # "." and "(" mean themselves
    planted = parquet(tmp_path / "planted.parquet", ["前文", f"在{CANARY_NAMES[3]}家中"])
    assert [f.kind for f in scan_files([planted])] == ["canary"]
    named = parquet(tmp_path / "named.parquet", ["被害人张某某受伤", "证人李四平证实"])
    assert [f.kind for f in scan_files([named], [])] == ["role_name"]
