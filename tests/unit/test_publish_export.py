"""Exports in bounded memory: key ranges, row groups, redaction fingerprint; deltas by content hash."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.errors import ConfigurationError
from flows.publish import export
from flows.publish.datasets import load_dataset
from flows.publish.deltas import compute_delta
from flows.publish.export import REDACTION_KEY, export_table, redaction_fingerprint
from flows.settings import get_settings

ROWS = 3000


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def warehouse(path: Path, edit: str = "", null_key: bool = True) -> Path:
    """A table of ROWS documents inserted in no particular order: texts of very different
    lengths (a few with a victim's name to redact), timestamps, dates, a null key."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"""
            create table texts as
            select if(i = 7 and {null_key}, null, 'doc-' || lpad(((i * 7919) % {ROWS})::varchar, 5, '0')) as doc_id,
                   repeat('裁判文书', 1 + (i * 37) % 400) || if(i % 500 = 0, '被害人张三丰受伤', '') as text,
                   sha256(text) as text_sha256,
                   timestamptz '2024-01-01 00:00:00+00' + to_seconds(i::bigint) as seen_at,
                   date '2020-01-01' + (i % 900)::integer as judged_on,
                   i % 3 = 0 as flag
            from range({ROWS}) r(i) order by hash(i)
        """)
        if edit:
            con.execute(edit)
    return path


def export_once(
    db: Path, out: Path, formats: tuple[str, ...] = ("csv", "parquet"), hashes: dict[str, str] | None = None
) -> dict[str, bytes]:
    files = export_table(db, "texts", "texts", list(formats), ["doc_id"], out, content_hashes=hashes)
    return {file.fmt: file.path.read_bytes() for file in files}


def use_memory(monkeypatch: pytest.MonkeyPatch, limit: str, threads: int = 2) -> None:
    monkeypatch.setenv("WENSHU_DUCKDB_MEMORY_LIMIT", limit)
    monkeypatch.setenv("WENSHU_DUCKDB_THREADS", str(threads))
    get_settings.cache_clear()


@pytest.mark.parametrize("hashes", [None, {"text": "text_sha256"}], ids=["narrow", "wide"])
def test_bytes_do_not_depend_on_how_many_key_ranges_memory_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, hashes: dict[str, str] | None
) -> None:
    """Narrow tables spill through DuckDB's PARTITION_BY, wide ones (declared text hashes) through Arrow."""
    db = warehouse(tmp_path / "w.duckdb")
    monkeypatch.setattr(export, "ROW_GROUP_BYTES", 256 << 10)  # several row groups, cut by bytes
    caplog.set_level(logging.INFO, logger="flows.publish.export")
    whole = export_once(db, tmp_path / "whole", hashes=hashes)
    use_memory(monkeypatch, "40MB", threads=1)
    monkeypatch.setattr(export, "_RANGE_SHARE", 400)  # ranges of ~100 kB: dozens of them
    ranged = export_once(db, tmp_path / "ranged", hashes=hashes)
    counts = [int(r.message.split(" key ranges")[0].rsplit(" ", 1)[1]) for r in caplog.records if "key ranges" in r.message]
    assert counts[0] == 1 and counts[1] > 10
    assert ranged == whole  # same content, same bytes, CSV and Parquet
    alone = {fmt: export_once(db, tmp_path / f"alone-{fmt}", formats=(fmt,), hashes=hashes)[fmt] for fmt in whole}
    assert alone == whole  # each format's bytes are its own, whichever others are written beside it

    # The CSV is exactly DuckDB's CSV of the whole (redacted) table in key order.
    expected = tmp_path / "expected.csv"
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        query = export.redacted_query(con, "texts")
        con.execute(f"copy ({query} order by doc_id) to '{expected}' ({export._CSV_OPTIONS}, HEADER true)")
    assert whole["csv"] == expected.read_bytes()

    parquet = tmp_path / "whole" / "data" / "texts.parquet"
    table = pq.read_table(parquet)
    keys = table.column("doc_id").to_pylist()
    assert keys[:-1] == sorted(keys[:-1]) and keys[-1] is None and len(keys) == ROWS  # key order, null last
    assert not any("张三丰" in text for text in table.column("text").to_pylist())  # redacted on the way out
    assert table.schema.field("text").type == pa.string()  # a wide table's texts spill as bytes, and come back as text
    metadata = pq.ParquetFile(parquet).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert len(sizes) > 3 and max(sizes) < ROWS
    assert metadata.metadata[REDACTION_KEY.encode()] == redaction_fingerprint().encode()


@pytest.mark.parametrize("arrival", ["key order", "random order"])
def test_rows_routed_to_their_range_wait_within_the_budget(tmp_path: Path, arrival: str) -> None:
    """What waits in memory is what is counted: rows arriving in key order once kept whole batches
    alive (a slice of each batch waited per range), up to ranges x batch bytes."""
    # in key order, batch i ends range i-1 with i rows, which then wait for good: each pinned
    # its whole batch, 40 batches where the budget is 10
    ranges, rows_per_batch, per_range, text = 40, 1000, 1001, "裁" * 300  # ~1 MB batches
    keys = np.arange(ranges * per_range)
    if arrival == "random order":
        keys = np.random.default_rng(1).permutation(keys)
    peak = 0

    def batches_of() -> Iterator[pa.RecordBatch]:
        nonlocal peak
        for start in range(0, len(keys), rows_per_batch):
            chunk = keys[start : start + rows_per_batch]
            yield pa.record_batch({"doc_id": [f"d{k:06d}" for k in chunk], "text": [text] * len(chunk),
                                   "__range": chunk // per_range})  # fmt: skip
            peak = max(peak, pa.total_allocated_bytes())

    first = next(batches_of())
    reader = pa.RecordBatchReader.from_batches(first.schema, batches_of())
    budget = ranges * first.nbytes // 4
    before = pa.total_allocated_bytes()
    export._route_batches(reader, ranges, tmp_path / "spill", budget)
    assert peak - before < 3 * budget + 3 * first.nbytes
    parts = sorted((tmp_path / "spill").glob("__range=*/part.parquet"))
    assert len(parts) == ranges
    routed = duckdb.sql(f"select doc_id from read_parquet({[str(p) for p in parts]}) order by doc_id").fetchall()
    assert [row[0] for row in routed] == [f"d{k:06d}" for k in range(len(keys))]  # every row, once
    for part in parts:
        names = pq.read_table(part).column("doc_id").to_pylist()
        assert {int(name[1:]) // per_range for name in names} == {int(part.parent.name.split("=")[1])}


def test_columns_redacted_by_their_model_are_published_as_stored_and_still_gated(tmp_path: Path) -> None:
    from flows.privacy import PrivacyError, check_files

    db = warehouse(tmp_path / "w.duckdb")
    hashes = {"text": "text_sha256"}
    [stored] = export_table(db, "texts", "texts", ["parquet"], ["doc_id"], tmp_path / "stored", content_hashes=hashes,
                            redacted_by_model=["text"])  # fmt: skip
    [redacted] = export_table(db, "texts", "texts", ["parquet"], ["doc_id"], tmp_path / "redacted", content_hashes=hashes)
    with duckdb.connect(str(db), read_only=True) as con:
        named = con.execute("select count(*) from texts where text like '%张三丰%'").fetchone()[0]  # type: ignore[index]
    published = duckdb.sql(f"select count(*) from '{stored.path}' where text like '%张三丰%'").fetchone()[0]  # type: ignore[index]
    assert named and published == named  # trusted to the model: not redacted again
    assert duckdb.sql(f"select count(*) from '{redacted.path}' where text like '%张三丰%'").fetchone() == (0,)
    with pytest.raises(PrivacyError):  # a model that did not redact is caught by the gate
        check_files([stored.path])
    check_files([redacted.path])


def test_cjo_judgments_texts_are_redacted_by_their_model() -> None:
    """The export trusts judgment_texts' model to redact: the model must call the macro on its text."""
    from flows.resources import DBT_PROJECT_DIR

    [texts] = [r for r in load_dataset("cjo-judgments").resources if r.redacted_by_model]
    assert texts.redacted_by_model == ["text"]
    model = (DBT_PROJECT_DIR / "models" / "marts" / f"{texts.model}.sql").read_text(encoding="utf-8")
    assert "{{ redacted('captures.text') }} as text" in model


def test_an_empty_table_exports_its_header_and_schema(tmp_path: Path) -> None:
    db = warehouse(tmp_path / "w.duckdb", edit="delete from texts")
    files = export_once(db, tmp_path / "out")
    assert files["csv"].decode().splitlines() == ["doc_id,text,text_sha256,seen_at,judged_on,flag"]
    assert pq.read_table(tmp_path / "out/data/texts.parquet").num_rows == 0


def test_each_worker_gets_its_share_of_the_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.duck import connect, memory_limit_bytes

    monkeypatch.setenv("WENSHU_DUCKDB_MEMORY_LIMIT", "3GB")
    monkeypatch.setenv("WENSHU_DUCKDB_MEMORY_SHARE", "3")
    get_settings.cache_clear()
    assert memory_limit_bytes() == 1_000_000_000
    with connect() as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("953.6 MiB",)
    monkeypatch.setenv("WENSHU_DUCKDB_MEMORY_LIMIT", "lots")
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError):
        memory_limit_bytes()


def test_thread_workers_share_the_budget_only_while_they_run() -> None:
    from flows.pipeline.runners import _worker_env, _worker_settings
    from flows.settings import Settings

    settings = Settings(task_runner="threads", task_workers=2)  # type: ignore[call-arg]
    assert _worker_env(settings) == {"WENSHU_DUCKDB_MEMORY_SHARE": "2"}
    assert get_settings().duckdb_memory_share == 1
    with _worker_settings(settings):
        assert get_settings().duckdb_memory_share == 2
    assert get_settings().duckdb_memory_share == 1


def write_texts(path: Path, rows: list[tuple[str, str, str]], fingerprint: str | None) -> Path:
    ids, hashes, texts = zip(*rows, strict=True)
    table = pa.table({"doc_id": ids, "text_sha256": hashes, "text": texts})
    if fingerprint is not None:
        table = table.replace_schema_metadata({REDACTION_KEY: fingerprint})
    pq.write_table(table, path)
    return path


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_declared_content_hash_stands_for_its_column_only_under_the_same_redaction(tmp_path: Path) -> None:
    old_rows = [("a", sha("one"), "one"), ("b", sha("two"), "two"), ("c", sha("three"), "three")]
    # b: a new text with a new hash; c: the published text changed under the same stored hash, which
    # only a change of redaction can do
    new_rows = [("a", sha("one"), "one"), ("b", sha("two!"), "two!"), ("c", sha("three"), "thr**")]
    new = write_texts(tmp_path / "new.parquet", new_rows, "r1")
    hashes = {"text": "text_sha256"}

    def changed(old: Path) -> list[tuple[str, str]]:
        delta = compute_delta("t", str(old), new, ["doc_id"], tmp_path / "d" / old.name, content_hashes=hashes)
        assert delta is not None
        return duckdb.sql(f"select doc_id, changed_columns from '{delta.path}' order by 1").fetchall()

    same = write_texts(tmp_path / "same.parquet", old_rows, "r1")
    assert changed(same) == [("b", "text_sha256,text")]  # the texts themselves were not compared
    other = write_texts(tmp_path / "other.parquet", old_rows, "r0")
    assert changed(other) == [("b", "text_sha256,text"), ("c", "text")]
    unknown = write_texts(tmp_path / "unknown.parquet", old_rows, None)
    assert changed(unknown) == [("b", "text_sha256,text"), ("c", "text")]
    plain = compute_delta("t", str(same), new, ["doc_id"], tmp_path / "plain.parquet")
    assert plain is not None and plain.counts["changed"] == 2


def test_exports_of_the_same_redaction_let_the_delta_skip_the_texts(tmp_path: Path) -> None:
    old = export_once(warehouse(tmp_path / "old.duckdb", null_key=False), tmp_path / "old", ("parquet",))
    # a stored text edited behind its hash's back: invisible to a delta by hash, by design
    edit = "update texts set text = text || '。' where doc_id = 'doc-00001'; update texts set text_sha256 = 'x' where doc_id = 'doc-00002'"
    new = export_once(warehouse(tmp_path / "new.duckdb", edit, null_key=False), tmp_path / "new", ("parquet",))
    assert old != new
    delta = compute_delta("texts", str(tmp_path / "old/data/texts.parquet"), tmp_path / "new/data/texts.parquet",
                          ["doc_id"], tmp_path / "d.parquet", content_hashes={"text": "text_sha256"})  # fmt: skip
    assert delta is not None
    rows = duckdb.sql(f"select doc_id, changed_columns from '{delta.path}'").fetchall()
    assert rows == [("doc-00002", "text,text_sha256")]  # text is reported changed with its hash


def test_cjo_judgments_compares_texts_by_their_hash() -> None:
    spec = load_dataset("cjo-judgments")
    assert {r.name: r.content_hashes for r in spec.resources if r.content_hashes} == {"judgment_texts": {"text": "text_sha256"}}
