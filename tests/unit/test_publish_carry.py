"""Carrying a table's last export over: the bytes of a full export, the gate over the new rows only."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.checksums import sha256_file
from flows.privacy import PrivacyError, check_files
from flows.publish import carry, export
from flows.publish.export import ExportedFile, export_table
from flows.settings import get_settings

ROWS = 3000
HASHES = {"text": "text_sha256"}


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    monkeypatch.setattr(export, "ROW_GROUP_BYTES", 256 << 10)  # many row groups, cut by bytes
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def warehouse(path: Path) -> Path:
    """ROWS documents in no particular order: texts of very different lengths, some with a
    victim's name to redact, and columns of other types."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"""
            create table texts as
            select 'doc-' || lpad(((i * 7919) % {ROWS})::varchar, 5, '0') as doc_id,
                   repeat('裁判文书', 1 + (i * 37) % 400) || if(i % 500 = 0, '被害人张三丰受伤', '') as text,
                   sha256(text) as text_sha256,
                   timestamptz '2024-01-01 00:00:00+00' + to_seconds(i::bigint) as seen_at,
                   i % 3 = 0 as flag
            from range({ROWS}) r(i) order by hash(i)
        """)
    return path


def edit(db: Path, *statements: str) -> None:
    with duckdb.connect(str(db)) as con:
        for statement in statements:
            con.execute(statement)
        con.execute("update texts set text_sha256 = sha256(text)")


def full(db: Path, out: Path, *, signed: bool = False) -> ExportedFile:
    """A full export of ``texts``; ``signed``: with its rows' signatures, on the export's connection, as a publish makes it."""
    signatures = partial(TEXT_SIGNATURES.save, out_dir=out) if signed else None
    (file,) = export_table(db, "texts", "texts", ["parquet"], ["doc_id"], out, content_hashes=HASHES, also=signatures)
    return file


TEXT_SIGNATURES = carry.RowSignatures("texts", "texts", "doc_id", ("text",))
CASE_SIGNATURES = carry.RowSignatures("cases", "cases", "doc_id")


def carried(db: Path, out: Path, last: Path | None, signatures: Path | None = None) -> ExportedFile | None:
    files = carry.export_carried(db, "texts", "texts", ["parquet"], ["doc_id"], out, content_hashes=HASHES, last=last,
                                 signatures=signatures)  # fmt: skip
    if files is None:
        return None
    (file,) = files
    return file


def published(tmp_path: Path, db: Path) -> tuple[Path, str]:
    """Export ``db`` in full and keep it as the last export, as a publish does: (cache, its hash)."""
    file = full(db, tmp_path / "first", signed=True)
    signatures = carry.new_signatures(tmp_path / "first", "texts")
    carry.remember_export(tmp_path / "cache", "ds", file, ["parquet"], signatures=signatures)
    return tmp_path / "cache", f"sha256:{file.sha256}"


EDITS = (
    "insert into texts values ('a-sorts-first', '新的文书', null, timestamptz '2025-01-01 00:00:00+00', true), "
    "('doc-01500x', repeat('中间', 3000), null, timestamptz '2025-01-02 00:00:00+00', false), "
    "('zz-sorts-last', '证人李四海说', null, timestamptz '2025-01-03 00:00:00+00', true)",
    "update texts set text = text || '（更正）' where doc_id in ('doc-00000', 'doc-01234', 'doc-02999')",
    "update texts set flag = not flag where doc_id = 'doc-00777'",
    "delete from texts where doc_id in ('doc-00001', 'doc-02000')",
)


@pytest.mark.parametrize("compared", ["signatures", "published rows"])
def test_a_carried_export_has_the_bytes_of_a_full_export(tmp_path: Path, compared: str) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    edit(db, *EDITS)
    last = carry.last_export(cache, "ds", "texts", digest, ["parquet"])
    signatures = carry.last_signatures(cache, "ds", "texts")
    assert last is not None and signatures is not None
    merged = carried(db, tmp_path / "carried", last, signatures if compared == "signatures" else None)
    assert merged is not None and merged.scan is not None
    whole = full(db, tmp_path / "whole")
    assert merged.path.read_bytes() == whole.path.read_bytes()
    assert (merged.rows, merged.sha256) == (whole.rows, whole.sha256) == (ROWS + 1, whole.sha256)
    assert pq.ParquetFile(merged.path).metadata.num_row_groups > 5
    # the gate reads only the rows new to this export: 3 added, 3 texts and 1 flag changed
    scanned = duckdb.sql(f"select doc_id from read_parquet('{merged.scan}') order by 1").fetchall()
    assert [row[0] for row in scanned] == [
        "a-sorts-first", "doc-00000", "doc-00777", "doc-01234", "doc-01500x", "doc-02999", "zz-sorts-last",
    ]  # fmt: skip
    text = duckdb.sql(f"select text from read_parquet('{merged.path}') where doc_id = 'zz-sorts-last'").fetchone()
    assert text == ("证人李某某说",)  # new rows are redacted like any other


def test_changes_scattered_over_every_batch_carry_over_with_the_bytes_of_a_full_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small batches: each is cut around several changed, added and gone rows, runs of them
    # side by side included, and the row groups close inside batches and pieces
    monkeypatch.setattr(carry, "_BATCH_ROWS", 97)
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    edit(
        db,
        "insert into texts select doc_id || 'a', '新增' || text, null, seen_at, flag from texts where hash(doc_id) % 29 = 0",
        "update texts set text = text || '（更正）' where hash(doc_id) % 23 = 0 and doc_id not like '%a'",
        "update texts set flag = not flag where hash(doc_id) % 31 = 0 or doc_id between 'doc-01000' and 'doc-01010'",
        "delete from texts where hash(doc_id) % 37 = 0 or doc_id between 'doc-02000' and 'doc-02005'",
    )
    last = carry.last_export(cache, "ds", "texts", digest, ["parquet"])
    merged = carried(db, tmp_path / "carried", last, carry.last_signatures(cache, "ds", "texts"))
    whole = full(db, tmp_path / "whole")
    assert merged is not None and merged.scan is not None
    assert merged.path.read_bytes() == whole.path.read_bytes()
    assert merged.sha256 == whole.sha256
    changed = pq.ParquetFile(merged.scan).metadata.num_rows
    assert ROWS // 20 < changed < ROWS // 4  # changes in every batch, and not so many that the carry gives up


def test_an_unchanged_table_carries_the_last_export_over_whole(tmp_path: Path) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    merged = carried(db, tmp_path / "carried", carry.last_export(cache, "ds", "texts", digest, ["parquet"]))
    assert merged is not None and merged.scan is not None
    assert merged.path.read_bytes() == full(db, tmp_path / "whole").path.read_bytes()
    assert pq.ParquetFile(merged.scan).metadata.num_rows == 0


def test_a_new_row_with_a_victims_name_is_what_the_gate_reads_and_stops(tmp_path: Path) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    # 张三丰 is redacted on export; a canary name is not (the gate's own list), so the gate must see it
    from flows.privacy import CANARY_NAMES

    canary = sorted(CANARY_NAMES)[0]
    edit(db, f"insert into texts values ('doc-new', '本案{canary}到庭', null, timestamptz '2025-01-01 00:00:00+00', true)")
    merged = carried(db, tmp_path / "carried", carry.last_export(cache, "ds", "texts", digest, ["parquet"]))
    assert merged is not None and merged.scan is not None
    with pytest.raises(PrivacyError):
        check_files([merged.scan])


def test_a_cached_export_is_used_only_if_it_is_the_published_file_made_by_this_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    path, sidecar = carry.cached_paths(cache, "ds", "texts")
    assert carry.last_export(cache, "ds", "texts", digest, ["parquet"]) == path
    assert carry.last_export(cache, "ds", "texts", "sha256:" + "0" * 64, ["parquet"]) is None  # another version is newest
    assert carry.last_export(cache, "ds", "texts", None, ["parquet"]) is None  # nothing published yet
    assert carry.last_export(cache, "ds", "other", digest, ["parquet"]) is None  # nothing cached
    # gated as Parquet only: its rows never passed the gate as CSV, whose text scan decodes more
    assert carry.last_export(cache, "ds", "texts", digest, ["csv", "parquet"]) is None
    monkeypatch.setattr(carry, "gate_fingerprint", lambda: "another gate")
    assert carry.last_export(cache, "ds", "texts", digest, ["parquet"]) is None  # the gate changed: rescan everything
    monkeypatch.undo()
    monkeypatch.setattr(carry, "writer_settings", lambda: "rows 1")
    assert carry.last_export(cache, "ds", "texts", digest, ["parquet"]) is None  # a full export would write other bytes
    monkeypatch.undo()
    # same size, other bytes: tampered or rotten, so its rows cannot skip the gate
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    assert carry.last_export(cache, "ds", "texts", digest, ["parquet"]) is None
    sidecar.write_text("{not json", encoding="utf-8")
    assert carry.last_export(cache, "ds", "texts", digest, ["parquet"]) is None


def test_what_cannot_be_carried_over_is_exported_in_full(tmp_path: Path) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    last = carry.last_export(cache, "ds", "texts", digest, ["parquet"])
    assert not carry.carriable(["csv"], ["doc_id"]) and not carry.carriable(["parquet"], ["doc_id", "seen_at"])
    assert carry.export_carried(db, "texts", "texts", ["csv"], ["doc_id"], tmp_path / "a", content_hashes=HASHES,
                                last=last) is None  # fmt: skip
    assert carry.export_carried(db, "texts", "texts", ["parquet"], ["doc_id", "seen_at"], tmp_path / "b",
                                content_hashes=HASHES, last=last) is None  # fmt: skip
    assert carried(db, tmp_path / "c", None) is None
    edit(db, "update texts set text = text || '改' where doc_id < 'doc-01000'")  # a third of the rows: a full export is cheaper
    assert carried(db, tmp_path / "d", last) is None
    edit(db, "alter table texts add column court varchar")
    assert carried(db, tmp_path / "e", last) is None


def test_a_changed_column_type_or_a_repeated_key_is_exported_in_full(tmp_path: Path) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    last = carry.last_export(cache, "ds", "texts", digest, ["parquet"])
    edit(db, "alter table texts alter flag type integer")  # the same values, another Parquet type
    assert carried(db, tmp_path / "a", last) is None
    edit(db, "alter table texts alter flag type boolean", "insert into texts select * from texts where doc_id = 'doc-00007'")
    assert carried(db, tmp_path / "b", last) is None  # rows compared as sets would not see the copy


def test_remembering_an_export_moves_it_and_describes_it(tmp_path: Path) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    file = full(db, tmp_path / "first")
    data = file.path.read_bytes()
    carry.remember_export(tmp_path / "cache", "ds", file, ["parquet"])
    path, sidecar = carry.cached_paths(tmp_path / "cache", "ds", "texts")
    assert not file.path.exists() and path.read_bytes() == data
    kept = json.loads(sidecar.read_text(encoding="utf-8"))
    assert kept["sha256"] == file.sha256 and kept["bytes"] == len(data)
    shutil.rmtree(tmp_path / "cache")


def test_reading_ahead_keeps_order_raises_the_readers_error_and_frees_it_when_stopped() -> None:
    import threading
    import time

    assert list(carry._read_ahead(iter(range(50)))) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise OSError("truncated file")

    with pytest.raises(OSError, match="truncated file"):
        list(carry._read_ahead(failing()))

    reader_done = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            reader_done.set()

    ahead = carry._read_ahead(endless())
    assert [next(ahead), next(ahead)] == [0, 1]
    ahead.close()  # the consumer stops early: the reader must not stay blocked on a full queue
    assert reader_done.wait(5)

    before = {thread for thread in threading.enumerate() if thread.name == "carry-read-ahead"}
    short = carry._read_ahead(iter(range(3)))
    assert next(short) == 0
    short.close()  # the reader may be offering its last item or the end: it must give up too
    deadline = time.monotonic() + 5
    while {t for t in threading.enumerate() if t.name == "carry-read-ahead"} - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not {thread for thread in threading.enumerate() if thread.name == "carry-read-ahead"} - before


def spy_on_splices(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each CSV splice returned (True: spliced; False: the CSV was written whole)."""
    spliced: list[bool] = []
    splice_csv = carry._splice_csv
    monkeypatch.setattr(carry, "_splice_csv", lambda *args: spliced.append(splice_csv(*args)) or spliced[-1])
    return spliced


def narrow(path: Path, extra: str = "") -> Path:
    """A narrow keyed table of the types the marts publish, without text hashes, in no order; some
    values hold what a CSV must quote (commas, quotes, line breaks), some a name to redact."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"""
            create table cases as
            select 'case-' || lpad(((i * 7919) % {ROWS})::varchar, 5, '0') as doc_id,
                   if(i % 7 = 0, null, '（2020）京01刑初' || i || '号') as case_number,
                   case when i % 11 = 0 then '被告人王五，"男", 住址' || chr(10) || '北京'
                        when i % 13 = 0 then '"' || chr(13) || chr(10) || '""'
                        when i % 17 = 0 then '被害人张三丰' else 'x,y' end as title,
                   (i % 5)::integer as parties, i::bigint * 1000003 as big, i / 7 as ratio,
                   date '2015-01-01' + i::integer as judged_on, i % 3 = 0 as flag,
                   timestamptz '2024-01-01 00:00:00+00' + to_seconds(i::bigint) as seen_at{extra}
            from range({ROWS}) r(i) order by hash(i)
        """)
    return path


def narrow_exports(
    db: Path, out: Path, last: Path | None = None, *, carried_over: bool = False, last_csv: Path | None = None
) -> list[ExportedFile] | None:
    if carried_over:
        return carry.export_carried(db, "cases", "cases", ["csv", "parquet"], ["doc_id"], out, content_hashes=None,
                                    last=last, last_csv=last_csv)  # fmt: skip
    return export_table(db, "cases", "cases", ["csv", "parquet"], ["doc_id"], out)


def published_narrow(tmp_path: Path, db: Path, formats: list[str] | None = None) -> tuple[Path | None, Path | None]:
    """Export ``cases`` in full in ``formats`` and keep its files, as a publish does; the cached
    Parquet and CSV files as the next export finds them."""
    formats = formats or ["csv", "parquet"]
    exported = export_table(db, "cases", "cases", formats, ["doc_id"], tmp_path / "first",
                            also=partial(CASE_SIGNATURES.save, out_dir=tmp_path / "first"))  # fmt: skip
    first = {file.fmt: file for file in exported}
    parquet, csv = first["parquet"], first.get("csv")
    signatures = carry.new_signatures(tmp_path / "first", "cases")
    carry.remember_export(tmp_path / "cache", "ds", parquet, formats, csv=csv, signatures=signatures)
    last = carry.last_export(tmp_path / "cache", "ds", "cases", f"sha256:{parquet.sha256}", formats)
    return last, carry.last_csv_export(tmp_path / "cache", "ds", "cases", f"sha256:{csv.sha256}" if csv else None)


@pytest.mark.parametrize("splice", [True, False], ids=["csv-spliced-rows-by-signature", "csv-written-whole-rows-as-published"])
def test_a_narrow_table_carries_both_its_csv_and_parquet_over_with_the_bytes_of_a_full_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, splice: bool
) -> None:
    from flows.privacy import CANARY_NAMES

    db = narrow(tmp_path / "w.duckdb")
    last, last_csv = published_narrow(tmp_path, db)
    assert last_csv is not None
    canary = sorted(CANARY_NAMES)[0]
    with duckdb.connect(str(db)) as con:
        con.execute("update cases set flag = not flag where doc_id in ('case-00010', 'case-02000')")
        con.execute("update cases set seen_at = seen_at + interval 1 second where doc_id = 'case-00500'")
        con.execute("update cases set case_number = null where doc_id = 'case-00001'")  # a value becomes null
        con.execute("delete from cases where doc_id in ('case-00000', 'case-00002')")  # the first row goes too
        con.execute(f"insert into cases select 'a-new', '（2021）沪02民初1号', '本案{canary}到庭', 2, 7, 0.5, "
                    "date '2021-05-06', true, timestamptz '2025-01-01 12:00:00+00'")  # fmt: skip
        con.execute("insert into cases select 'zz-last', null, '\"引号\"' || chr(13) || chr(10) || '逗号,', 1, 2, 0.25, "
                    "date '2021-05-07', false, timestamptz '2025-01-02 12:00:00+00'")  # fmt: skip
    spliced = spy_on_splices(monkeypatch)
    merged = carry.export_carried(db, "cases", "cases", ["csv", "parquet"], ["doc_id"], tmp_path / "carried",
                                  content_hashes=None, last=last, last_csv=last_csv if splice else None,
                                  signatures=carry.last_signatures(tmp_path / "cache", "ds", "cases") if splice else None)  # fmt: skip
    assert spliced == ([True] if splice else [])
    whole = narrow_exports(db, tmp_path / "whole")
    assert merged is not None and whole is not None
    assert [(f.fmt, f.rows) for f in merged] == [(f.fmt, f.rows) for f in whole] == [("csv", ROWS), ("parquet", ROWS)]
    last_record = 'zz-last,,"""引号""\r\n逗号,",1,2,0.25,2021-05-07,false,2025-01-02T12:00:00.000000Z\n'
    assert merged[0].path.read_bytes().endswith(last_record.encode())
    for ours, theirs in zip(merged, whole, strict=True):
        assert ours.path.read_bytes() == theirs.path.read_bytes(), ours.fmt
        assert ours.sha256 == theirs.sha256 and ours.scan is not None
    # the gate reads the new and changed rows only, in both formats, and finds the canary in each
    scanned = duckdb.sql(f"select doc_id from read_csv('{merged[0].scan}') order by 1").fetchall()
    assert [row[0] for row in scanned] == ["a-new", "case-00001", "case-00010", "case-00500", "case-02000", "zz-last"]
    for file in merged:
        with pytest.raises(PrivacyError):
            check_files([file.scan])  # type: ignore[list-item]


def test_a_narrow_table_with_changes_at_every_batch_edge_splices_its_csv_and_merges_its_parquet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(carry, "_BATCH_ROWS", 50)  # the cached file is read 50 rows at a time
    monkeypatch.setattr(export, "ROW_GROUP_ROWS", 77)  # row groups close by rows, inside batches and pieces
    db = narrow(tmp_path / "w.duckdb")
    last, last_csv = published_narrow(tmp_path, db)
    keys = [row[0] for row in duckdb.sql(f"select doc_id from read_parquet('{last}')").fetchall()]
    edges = [keys[i] for i in (0, 49, 50, 99, 100, 101, 149, 2999)]  # first and last rows of batches, runs of them
    with duckdb.connect(str(db)) as con:
        con.execute(f"update cases set flag = not flag where doc_id in ({', '.join(repr(k) for k in edges[:4])})")
        con.execute(f"delete from cases where doc_id in ({', '.join(repr(k) for k in edges[4:])})")
        con.execute("update cases set parties = parties + 1 where hash(doc_id) % 31 = 0")
        con.execute("delete from cases where hash(doc_id) % 37 = 0")
        con.execute("insert into cases select doc_id || 'a', case_number, title, parties, big, ratio, judged_on, flag, seen_at "
                    "from cases where hash(doc_id) % 29 = 0")  # fmt: skip
    spliced = spy_on_splices(monkeypatch)
    merged = carry.export_carried(db, "cases", "cases", ["csv", "parquet"], ["doc_id"], tmp_path / "carried",
                                  content_hashes=None, last=last, last_csv=last_csv,
                                  signatures=carry.last_signatures(tmp_path / "cache", "ds", "cases"))  # fmt: skip
    whole = narrow_exports(db, tmp_path / "whole")
    assert merged is not None and whole is not None and spliced == [True]
    for ours, theirs in zip(merged, whole, strict=True):
        assert ours.path.read_bytes() == theirs.path.read_bytes(), ours.fmt
        assert (ours.rows, ours.sha256) == (theirs.rows, theirs.sha256)
    assert pq.ParquetFile(merged[1].path).metadata.num_row_groups > 30


def test_a_type_whose_csv_could_change_once_read_back_from_parquet_is_exported_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Arrow has no UUID: DuckDB hands it over as a string, which reads back as VARCHAR from the
    # cached file but as UUID from DuckDB's own Parquet, where a full export writes its CSV from
    db = narrow(tmp_path / "w.duckdb", extra=", uuid() as token")
    last, _ = published_narrow(tmp_path, db)
    assert last is not None
    # its hash differs too, so every row counts as changed: a full export, for that reason first
    assert narrow_exports(db, tmp_path / "carried", last, carried_over=True) is None
    # the type check stands on its own, for a type whose values would hash alike
    monkeypatch.setattr(carry, "_changed_keys", lambda *args: pa.array([], pa.string()))
    with caplog.at_level("INFO", logger="flows.publish.carry"):
        assert narrow_exports(db, tmp_path / "again", last, carried_over=True) is None
    assert "reads back from Parquet as another type" in caplog.text


def test_a_view_is_exported_in_full(tmp_path: Path) -> None:
    db = narrow(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("create view cases_view as select * from cases")
    (_, parquet) = narrow_exports(db, tmp_path / "first")  # type: ignore[misc]
    assert carry.export_carried(db, "cases_view", "cases", ["csv", "parquet"], ["doc_id"], tmp_path / "v",
                                content_hashes=None, last=parquet.path) is None  # fmt: skip


def test_a_column_named_as_duckdbs_row_numbers_is_exported_in_full(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = narrow(tmp_path / "w.duckdb", extra=", i as file_row_number")
    last, last_csv = published_narrow(tmp_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute("update cases set flag = not flag where doc_id = 'case-00010'")
    with caplog.at_level("INFO", logger="flows.publish.carry"):
        assert narrow_exports(db, tmp_path / "carried", last, carried_over=True, last_csv=last_csv) is None
    assert "a column is named file_row_number" in caplog.text


@pytest.mark.parametrize("formats", [["parquet", "csv"], ["parquet"]])
def test_a_narrow_table_in_several_key_ranges_carries_over_in_the_order_of_its_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, formats: list[str]
) -> None:
    monkeypatch.setattr(export, "memory_limit_bytes", lambda: 400 << 10)  # a full export sorts ~10 key ranges
    db = narrow(tmp_path / "w.duckdb")
    last, last_csv = published_narrow(tmp_path, db, formats)
    with duckdb.connect(str(db)) as con:
        con.execute("update cases set parties = parties + 1 where doc_id in ('case-00003', 'case-01999')")
    spliced = spy_on_splices(monkeypatch)
    merged = carry.export_carried(db, "cases", "cases", formats, ["doc_id"], tmp_path / "c", content_hashes=None, last=last,
                                  last_csv=last_csv)  # fmt: skip
    whole = export_table(db, "cases", "cases", formats, ["doc_id"], tmp_path / "whole")
    assert spliced == ([True] if "csv" in formats else [])
    assert merged is not None and [f.fmt for f in merged] == [f.fmt for f in whole] == formats
    assert [f.path.read_bytes() for f in merged] == [f.path.read_bytes() for f in whole]


def test_an_empty_table_carries_over_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = narrow(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("delete from cases")
    last, last_csv = published_narrow(tmp_path, db)
    spliced = spy_on_splices(monkeypatch)
    merged = narrow_exports(db, tmp_path / "carried", last, carried_over=True, last_csv=last_csv)
    assert spliced == [True]  # the header alone
    whole = narrow_exports(db, tmp_path / "whole")
    assert merged is not None and whole is not None and [f.rows for f in merged] == [0, 0]
    assert [f.path.read_bytes() for f in merged] == [f.path.read_bytes() for f in whole]


def test_an_unchanged_narrow_table_splices_its_whole_csv_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = narrow(tmp_path / "w.duckdb")
    last, last_csv = published_narrow(tmp_path, db)
    assert last_csv is not None
    spliced = spy_on_splices(monkeypatch)
    merged = narrow_exports(db, tmp_path / "carried", last, carried_over=True, last_csv=last_csv)
    assert merged is not None and spliced == [True]
    assert merged[0].path.read_bytes() == last_csv.read_bytes() == narrow_exports(db, tmp_path / "whole")[0].path.read_bytes()  # type: ignore[index]


def test_a_cached_csv_is_used_only_if_it_is_the_published_file(tmp_path: Path) -> None:
    db = narrow(tmp_path / "w.duckdb")
    _, last_csv = published_narrow(tmp_path, db)
    assert last_csv == carry.cached_csv(tmp_path / "cache", "ds", "cases")
    digest = f"sha256:{sha256_file(last_csv)}"
    assert carry.last_csv_export(tmp_path / "cache", "ds", "cases", digest) == last_csv
    assert carry.last_csv_export(tmp_path / "cache", "ds", "cases", None) is None  # no CSV published
    assert carry.last_csv_export(tmp_path / "cache", "ds", "other", digest) is None  # none cached
    data = bytearray(last_csv.read_bytes())
    data[len(data) // 2] ^= 1  # tampered or rotten: its records cannot skip the gate
    last_csv.write_bytes(bytes(data))
    assert carry.last_csv_export(tmp_path / "cache", "ds", "cases", digest) is None
    # remembered again without a CSV (the resource dropped its CSV format): no stale CSV is kept
    (parquet,) = export_table(db, "cases", "cases", ["parquet"], ["doc_id"], tmp_path / "again")
    carry.remember_export(tmp_path / "cache", "ds", parquet, ["parquet"])
    assert not last_csv.exists()


def test_a_csv_that_does_not_hold_the_records_expected_is_written_whole(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = narrow(tmp_path / "w.duckdb")
    last, last_csv = published_narrow(tmp_path, db)
    assert last_csv is not None
    with duckdb.connect(str(db)) as con:
        con.execute("update cases set parties = parties + 1 where doc_id = 'case-00042'")
    whole = narrow_exports(db, tmp_path / "whole")
    assert whole is not None
    lines = last_csv.read_bytes().split(b"\n")
    ends = carry._record_ends(last_csv)
    assert ends is not None
    data = last_csv.read_bytes()
    for name, damaged in (("cut", b"\n".join(lines[:-10])), ("unterminated", data + b'"x'), ("other header", b"other" + data),
                          ("a record short", data[: ends[-2]])):  # fmt: skip
        bad = tmp_path / f"{name}.csv"
        bad.write_bytes(damaged)
        with caplog.at_level("WARNING", logger="flows.publish.carry"):
            merged = narrow_exports(db, tmp_path / name, last, carried_over=True, last_csv=bad)
        assert merged is not None and merged[0].path.read_bytes() == whole[0].path.read_bytes(), name
    assert "does not hold the CSV records expected" in caplog.text and "different headers" in caplog.text


def test_record_ends_are_at_line_breaks_outside_quotes_across_read_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io
    import itertools

    rows = [["id", "text"], ["1", "plain"], ["2", 'a "quoted", line\nbreak'], ["3", '""'], ["4", "\r\n"], ["5", ""]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path / "t.csv"
    path.write_bytes(buffer.getvalue().encode())
    for size in (1, 2, 3, 7, 1 << 20):  # line breaks and quotes on every side of a slice's end
        monkeypatch.setattr(carry, "_SCAN_BYTES", size)
        ends = carry._record_ends(path)
        assert ends is not None and len(ends) == len(rows) + 1
        data = path.read_bytes()
        records = [data[a:b].decode() for a, b in itertools.pairwise(ends)]
        assert [next(csv.reader(io.StringIO(record))) for record in records] == rows
    path.write_bytes(b'id\n"open\n')  # a quote never closed: no whole last record
    assert carry._record_ends(path) is None
    path.write_bytes(b"")
    assert carry._record_ends(path) is not None


@pytest.mark.parametrize("kernel", ["copies", "refuses", "says 0", "has none"])
def test_copying_a_byte_range_appends_it_whether_or_not_the_kernel_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: str
) -> None:
    import os

    if kernel == "refuses":  # two file systems on an older kernel
        monkeypatch.setattr(os, "copy_file_range", lambda *args: (_ for _ in ()).throw(OSError(18, "EXDEV")), raising=False)
    elif kernel == "says 0":  # some network file systems
        monkeypatch.setattr(os, "copy_file_range", lambda *args: 0, raising=False)
    elif kernel == "has none":  # another OS
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    source = tmp_path / "source"
    source.write_bytes(bytes(range(256)) * 20_000)  # 5 MB: more than one read of the fallback
    with open(source, "rb") as handle, open(tmp_path / "target", "wb", buffering=0) as out:
        out.write(b"head")
        carry._copy_range(handle, out, 10, 10)  # nothing
        carry._copy_range(handle, out, 3, 4_000_003)
        carry._copy_range(handle, out, 0, 2)
        with pytest.raises(OSError, match="ended before"):
            carry._copy_range(handle, out, 5_119_999, 5_120_001)
    data = source.read_bytes()
    assert (tmp_path / "target").read_bytes() == b"head" + data[3:4_000_003] + data[0:2] + data[5_119_999:]


def test_signatures_are_used_only_if_they_are_those_kept_with_the_cached_export(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    last = carry.last_export(cache, "ds", "texts", digest, ["parquet"])
    path = carry.cached_signatures(cache, "ds", "texts")
    assert last is not None and carry.last_signatures(cache, "ds", "texts") == path
    assert pq.read_table(path).column_names == ["doc_id", "__row"] and pq.read_metadata(path).num_rows == ROWS
    edit(db, *EDITS)
    whole = full(db, tmp_path / "whole")
    # the signatures of other rows (a file the sidecar lists, but of another export): rows are compared as published
    stale = tmp_path / "stale.parquet"
    basis = carry._basis_of(path)
    duckdb.sql(
        f"copy (from read_parquet('{path}') limit 10) to '{stale}' (FORMAT parquet, KV_METADATA {{wenshu_signatures: '{basis}'}})"
    )
    with caplog.at_level("WARNING", logger="flows.publish.carry"):
        merged = carried(db, tmp_path / "carried", last, stale)
    assert merged is not None and merged.path.read_bytes() == whole.path.read_bytes()
    assert "not those of the cached export's rows" in caplog.text
    # and the carry leaves the signatures of the rows it exported, for the next one
    kept = pq.read_table(carry.new_signatures(tmp_path / "carried", "texts")).sort_by("doc_id")
    full(db, tmp_path / "fresh", signed=True)
    fresh = pq.read_table(carry.new_signatures(tmp_path / "fresh", "texts")).sort_by("doc_id")
    assert kept.equals(fresh) and kept.num_rows == ROWS + 1
    # changed bytes, or a sidecar that does not list them: not used
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    assert carry.last_signatures(cache, "ds", "texts") is None
    path.unlink()
    assert carry.last_signatures(cache, "ds", "texts") is None


def test_signatures_made_for_other_columns_or_settings_are_not_used(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    last = carry.last_export(cache, "ds", "texts", digest, ["parquet"])
    signatures = carry.last_signatures(cache, "ds", "texts")
    assert last is not None and signatures is not None
    edit(db, *EDITS)
    whole = full(db, tmp_path / "whole")
    # the texts as published by their model (as stored) now: stored values may no longer stand for published ones
    with caplog.at_level("INFO", logger="flows.publish.carry"):
        files = carry.export_carried(db, "texts", "texts", ["parquet"], ["doc_id"], tmp_path / "carried", content_hashes=HASHES,
                                     last=last, signatures=signatures, redacted_by_model=["text"])  # fmt: skip
    assert "made for other columns or settings" in caplog.text
    assert files is not None and files[0].path.read_bytes() != whole.path.read_bytes()  # published as stored: unredacted
    caplog.clear()
    edit(db, "alter table texts alter flag type integer", "alter table texts alter flag type boolean")  # the same again
    with caplog.at_level("INFO", logger="flows.publish.carry"):
        merged = carried(db, tmp_path / "again", last, signatures)
    assert "made for other columns" not in caplog.text
    assert merged is not None and merged.path.read_bytes() == whole.path.read_bytes()


def test_pinned_cached_files_are_those_checked_whatever_replaces_them_in_the_cache(tmp_path: Path) -> None:
    db = warehouse(tmp_path / "w.duckdb")
    cache, digest = published(tmp_path, db)
    data = carry.cached_paths(cache, "ds", "texts")[0].read_bytes()
    pinned = carry.pin_cached(cache, "ds", "texts", tmp_path / "pinned")
    edit(db, *EDITS)
    newer = full(db, tmp_path / "newer")  # another publish remembers its export meanwhile
    carry.remember_export(cache, "ds", newer, ["parquet"])
    last = carry.last_export(pinned, "ds", "texts", digest, ["parquet"])
    assert last is not None and last.read_bytes() == data and carry.last_signatures(pinned, "ds", "texts") is not None
    assert carry.last_export(cache, "ds", "texts", digest, ["parquet"]) is None  # the cache moved on
    assert carry.last_signatures(cache, "ds", "texts") is None  # remembered without signatures
    assert carry.pin_cached(cache, "other", "texts", tmp_path / "pinned") == tmp_path / "pinned"  # nothing cached: nothing pinned
    assert carry.last_export(tmp_path / "pinned", "other", "texts", digest, ["parquet"]) is None
