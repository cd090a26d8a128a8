"""Row groups compressed on several threads make the file one pyarrow writer makes, byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.publish.row_groups import ParallelFileWriter, UnsupportedFooter, decode_footer, encode_footer, footer_of

OPTIONS = {"compression": "zstd", "compression_level": 3}
SCHEMA = pa.schema({
    "doc_id": pa.string(), "flag": pa.bool_(), "count": pa.int32(), "big": pa.int64(), "share": pa.float64(),
    "day": pa.date32(), "seen_at": pa.timestamp("us", tz="UTC"), "text": pa.string(), "tags": pa.list_(pa.string()),
})  # fmt: skip


def _mixed(rows: int, offset: int = 0) -> pa.Table:
    """Rows of every kind of column an export writes, with nulls, plus a list (a nested footer)."""
    ids = range(offset, offset + rows)
    return pa.table({
        "doc_id": [f"doc-{i:06d}" for i in ids],
        "flag": [None if i % 7 == 0 else i % 2 == 0 for i in ids],
        "count": [None if i % 5 == 0 else i * 3 for i in ids],
        "big": [i * 10**12 for i in ids],
        "share": [i / 7 for i in ids],
        "day": [dt.date(2016, 1, 1) + dt.timedelta(days=i % 3000) for i in ids],
        "seen_at": [dt.datetime(2020, 5, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=i) for i in ids],
        "text": ["（2016）皖1622刑初" + str(i) * (i % 40) if i % 11 else None for i in ids],
        "tags": [["a", "b"][: i % 3] for i in ids],
    }, schema=SCHEMA)  # fmt: skip


def _serial(path: Path, tables: list[pa.Table], schema: pa.Schema, **options: object) -> bytes:
    with pq.ParquetWriter(path, schema, **options) as writer:
        for table in tables:
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
    return path.read_bytes()


def _parallel(path: Path, tables: list[pa.Table], schema: pa.Schema, threads: int, **options: object) -> bytes:
    writer = ParallelFileWriter(path, schema, threads, **options)
    for table in tables:
        writer.write_table(table)
    writer.close()
    written = path.read_bytes()
    assert writer.sha256 == hashlib.sha256(written).hexdigest()  # hashed as written: no second read
    return written


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_row_groups_of_uneven_sizes_give_one_writers_bytes(tmp_path: Path, threads: int) -> None:
    sizes = [1, 500, 3, 2000, 17, 1, 640, 20, 5, 9, 300, 2, 2, 40, 77, 1, 12]  # more than 15: the long list form
    tables, offset = [], 0
    for size in sizes:
        tables.append(_mixed(size, offset))
        offset += size
    schema = tables[0].schema
    expected = _serial(tmp_path / "serial.parquet", tables, schema, **OPTIONS)
    assert _parallel(tmp_path / "parallel.parquet", tables, schema, threads, **OPTIONS) == expected
    assert pq.read_table(tmp_path / "parallel.parquet").equals(pa.concat_tables(tables))


def test_wide_rows_written_a_value_at_a_time_give_one_writers_bytes(tmp_path: Path) -> None:
    texts = [("判决书" * (50 + i * 37 % 4000)) + str(i) for i in range(300)]
    table = pa.table({"doc_id": [f"d{i:04d}" for i in range(300)], "text": texts})
    tables = [table.slice(0, 120), table.slice(120, 100), table.slice(220, 80)]
    options = {**OPTIONS, "write_batch_size": 1}
    expected = _serial(tmp_path / "serial.parquet", tables, table.schema, **options)
    assert _parallel(tmp_path / "parallel.parquet", tables, table.schema, 2, **options) == expected


def test_a_file_without_rows_is_one_writers_empty_file(tmp_path: Path) -> None:
    schema = SCHEMA.with_metadata({"wenshu:redaction": "x"})
    expected = _serial(tmp_path / "serial.parquet", [], schema, **OPTIONS)
    assert _parallel(tmp_path / "parallel.parquet", [], schema, 2, **OPTIONS) == expected
    assert pq.read_table(tmp_path / "parallel.parquet").num_rows == 0


def test_an_empty_row_group_after_others_keeps_its_unset_offsets(tmp_path: Path) -> None:
    """A group without rows has a dictionary page and no data page: offset 0 means none, never moved."""
    tables = [_mixed(30), _mixed(0), _mixed(5, 30)]
    expected = _serial(tmp_path / "serial.parquet", tables, SCHEMA, **OPTIONS)
    assert _parallel(tmp_path / "parallel.parquet", tables, SCHEMA, 2, **OPTIONS) == expected


def test_footers_decode_and_encode_to_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "mixed.parquet"
    _serial(path, [_mixed(50), _mixed(9, 50)], SCHEMA, **OPTIONS)
    footer, start = footer_of(path.read_bytes())
    assert start > 4 and encode_footer(decode_footer(footer)) == footer
    with pytest.raises(ValueError, match="trailing"):
        decode_footer(footer + b"\x00")


def test_offsets_it_cannot_move_are_refused(tmp_path: Path) -> None:
    table = _mixed(30)
    writer = ParallelFileWriter(tmp_path / "indexed.parquet", table.schema, 2, write_page_index=True)
    writer.write_table(table)
    with pytest.raises(UnsupportedFooter, match="offset index"):
        writer.close()


def test_an_error_in_a_row_group_reaches_the_caller(tmp_path: Path) -> None:
    table = _mixed(10)
    writer = ParallelFileWriter(tmp_path / "broken.parquet", table.schema, 2, **OPTIONS)
    writer.write_table(table.drop_columns(["flag"]))  # not the file's schema
    with pytest.raises(ValueError, match="schema"):
        writer.close()


def test_after_a_failed_row_group_the_file_is_never_finished(tmp_path: Path) -> None:
    table = _mixed(10)
    target = tmp_path / "broken.parquet"
    writer = ParallelFileWriter(target, table.schema, 1, **OPTIONS)
    writer.write_table(table)
    writer.write_table(table.drop_columns(["flag"]))
    with pytest.raises(ValueError, match="schema"):  # the bad group's error, when its turn comes
        writer.write_table(table)
    with pytest.raises(ValueError, match="row group failed"):
        writer.write_table(table)
    with pytest.raises(ValueError, match="not finished"):  # the groups before and after it are not a file
        writer.close()
    with pytest.raises(pa.ArrowInvalid):
        pq.read_metadata(target)


def test_an_error_in_the_caller_leaves_no_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "half.parquet"
    with pytest.raises(RuntimeError, match="query failed"), ParallelFileWriter(target, SCHEMA, 2, **OPTIONS) as writer:
        writer.write_table(_mixed(10))
        raise RuntimeError("query failed")
    with pytest.raises(pa.ArrowInvalid):
        pq.read_metadata(target)


def test_a_file_without_row_groups_is_one_writers_and_hashed_as_written(tmp_path: Path) -> None:
    expected = _serial(tmp_path / "serial.parquet", [], SCHEMA, **OPTIONS)
    assert _parallel(tmp_path / "parallel.parquet", [], SCHEMA, 2, **OPTIONS) == expected
