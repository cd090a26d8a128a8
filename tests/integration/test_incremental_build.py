"""An incremental dbt build gives exactly the tables a full rebuild of the same raw layer gives.

Raw set A (a synthetic landing zone, ingested, plus two documents sharing a text) is built in
full; then raw set B arrives: new documents (one repeating an archived text), re-captures with a
corrected text, a metadata-only re-capture, a re-capture older than the one held, a new text
for the first of two duplicates, and monitor checks that remove, restore and discover
documents. An interrupted incremental build is followed by a complete one, and every table of
the warehouse must equal, row for row, a full build of A+B; so must an incremental build in
which DuckDB runs out of memory, and dbt retries the nodes that failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dbtkit import retried_after_running_out_of_memory, squeeze_memory

from flows import layout
from flows.errors import ValidationFailed
from flows.ingest import ingest_landing
from flows.pipeline import fingerprint, steps
from flows.pipeline.context import RunContext
from flows.records import RAW_TABLES
from flows.storage import open_storage
from flows.synth.landing import generate_landing
from flows.transform import Increment, build

pytestmark = pytest.mark.integration

NOW = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)  # after every synthetic capture and check


def _partition(context: RunContext, table: str, name: str, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` as one raw partition of ``table``, each row marked as line n of landing file ``name``."""
    schema = RAW_TABLES[table]
    records = []
    for line, row in enumerate(rows, start=1):
        record = dict.fromkeys(schema.names) | row
        record |= {"source_file": name, "source_line": line, "ingested_at": NOW,
                   "source_sha256": hashlib.sha256(name.encode()).hexdigest()}  # fmt: skip
        records.append(record)
    key = layout.raw_partition(table, hashlib.sha256(f"{table}/{name}".encode()).hexdigest())
    path = Path(context.work_url) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(records, schema=schema), path)
    return path


def _with_text(row: dict[str, Any], text: str | None) -> dict[str, Any]:
    digest = None if text is None else hashlib.sha256(text.encode()).hexdigest()
    return row | {"text": text, "text_chars": None if text is None else len(text), "text_sha256": digest}


def _raw_rows(context: RunContext, table: str, where: str) -> list[dict[str, Any]]:
    glob = str(Path(context.work_url) / layout.raw_prefix(table) / "*.parquet")
    with duckdb.connect() as con:
        cursor = con.execute(f"select * from read_parquet('{glob}') where {where} order by doc_id, checked_at")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _single_captures(context: RunContext, count: int) -> list[dict[str, Any]]:
    """``count`` archived documents captured once, with a text."""
    glob = str(Path(context.work_url) / layout.raw_prefix("judgments") / "*.parquet")
    with duckdb.connect() as con:
        cursor = con.execute(
            f"select * from read_parquet('{glob}') where text is not null and captured_at is not null and doc_id not like 'dup-%' "
            "qualify count(*) over (partition by doc_id) = 1 order by doc_id limit ?",
            [count],
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _raw_set_a(context: RunContext, root: Path) -> None:
    generate_landing(root / "landing", 150, seed=5, observations=True, median_chars=300, workers=1)
    work = open_storage(context.work_url)
    assert ingest_landing(open_storage(str(root / "landing")), work, root / "scratch").reconciles
    [template] = _single_captures(context, 1)
    first = template | {"doc_id": "dup-first", "captured_at": NOW - dt.timedelta(days=400)}
    later = template | {"doc_id": "dup-later", "captured_at": NOW - dt.timedelta(days=300)}
    _partition(context, "judgments", "a-duplicates.jsonl", [_with_text(first, "同一文本"), _with_text(later, "同一文本")])


def _raw_set_b(context: RunContext) -> dict[str, Any]:
    """New judgments and checks; returns what each kind of change should show."""
    day = dt.timedelta(days=1)
    corrected, metadata_only, older, template, repeated = _single_captures(context, 5)
    new = [_with_text(template | {"doc_id": f"new-{i}", "captured_at": NOW}, f"新文书{i}") for i in range(3)]
    judgments = [
        *new,
        repeated | {"doc_id": "new-repeat", "captured_at": NOW},  # the same text as an archived document
        _with_text(corrected | {"captured_at": corrected["captured_at"] + day}, corrected["text"] + "（更正）"),
        _with_text(metadata_only | {"captured_at": metadata_only["captured_at"] + day, "cause": "新案由"}, None),
        _with_text(older | {"captured_at": older["captured_at"] - 400 * day, "cause": "旧案由"}, "较早的文本"),
        _with_text(template | {"doc_id": "dup-first", "captured_at": NOW}, "更新后的文本"),
    ]
    _partition(context, "judgments", "b-scraper.jsonl", judgments)

    available = _raw_rows(context, "observations", "status = 'available'")[-1]["doc_id"]
    checks = [
        {"doc_id": available, "checked_at": NOW, "status": "removed", "http_status": 200, "reason": "06"},
        {"doc_id": available, "checked_at": NOW + day, "status": "error", "http_status": 503, "reason": "HTTP 503"},
        {"doc_id": "new-0", "checked_at": NOW, "status": "available", "http_status": 200},
        {"doc_id": "never-archived", "checked_at": NOW, "status": "not_found", "http_status": 404},
    ]
    gone = _raw_rows(context, "observations", "status in ('removed', 'not_found')")
    if gone:  # a removal in A ends
        checks.append({"doc_id": gone[-1]["doc_id"], "checked_at": NOW + 2 * day, "status": "available", "http_status": 200})
    _partition(context, "observations", "b-monitor.jsonl", checks)
    return {"corrected": corrected, "metadata_only": metadata_only, "older": older, "repeated": repeated,
            "removed": available}  # fmt: skip


def _rows(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _differences(incremental: Path, full: Path) -> dict[str, tuple[int, int, int]]:
    """Per table of the full build: (rows, rows only in the incremental build, rows only in the full build)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{incremental}' as incremental (read_only)")
        con.execute(f"attach '{full}' as rebuilt (read_only)")
        tables = [row[0] for row in con.execute(
            "select table_name from duckdb_tables() where database_name = 'rebuilt' and schema_name = 'main' "
            "and table_name <> 'wenshu_build_state' order by 1"
        ).fetchall()]  # fmt: skip
        found = {}
        for table in tables:
            a, b = f"incremental.main.{table}", f"rebuilt.main.{table}"
            count = con.execute(f"select count(*) from {b}").fetchone()[0]  # type: ignore[index]
            only_a = con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0]  # type: ignore[index]
            only_b = con.execute(f"select count(*) from (from {b} except all from {a})").fetchone()[0]  # type: ignore[index]
            found[table] = (count, only_a, only_b)
    return found


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("incremental")
    context = RunContext.create(landing=str(root / "landing"), store=str(root / "store"), work=str(root / "work"))
    _raw_set_a(context, root)
    first = steps.transform(context)
    fingerprint.record_success(context, [])
    changes = _raw_set_b(context)

    # a build interrupted after the intermediate models took B in: the next one must finish it
    plan = fingerprint.plan_build(context)
    assert plan.new is not None
    fingerprint.record_build(context, plan, done=False)
    files = {table: tuple(str(Path(context.work_url) / key) for key in keys) for table, keys in plan.new.items()}
    raw = {table: str(Path(context.work_url) / layout.raw_prefix(table) / "*.parquet") for table in RAW_TABLES}
    build(raw["judgments"], context.warehouse, select="int_judgments__merged int_observations__removal_episodes int_observations__checks",
          raw_observations_glob=raw["observations"], increment=Increment(**files))  # fmt: skip

    second = steps.transform(context)
    full = build(raw["judgments"], root / "full" / "wenshu.duckdb", raw_observations_glob=raw["observations"])
    return {"first": first, "second": second, "incremental": context.warehouse, "full": full.duckdb_path, **changes}


def test_the_first_build_is_full_and_the_next_incremental(builds: dict[str, Any]) -> None:
    assert builds["first"]["build"] == {"mode": "full", "reason": "no successful run yet", "new_partitions": {}}
    assert builds["second"]["build"]["mode"] == "incremental"
    assert builds["second"]["build"]["new_partitions"] == {"judgments": 1, "observations": 1}


def test_an_incremental_build_equals_a_full_rebuild(builds: dict[str, Any]) -> None:
    differences = _differences(builds["incremental"], builds["full"])

    expected = {"int_judgments__merged", "judgments", "judgment_texts", "int_observations__removal_episodes",
                "int_observations__checks", "availability", "removal_events", "coverage", "publication_stats", "removal_stats"}  # fmt: skip
    assert expected <= set(differences)
    assert {table: diff for table, diff in differences.items() if diff[1] or diff[2]} == {}
    assert all(differences[table][0] > 0 for table in expected)


def test_each_kind_of_change_shows_in_the_incremental_build(builds: dict[str, Any]) -> None:
    judgments = {row["doc_id"]: row for row in _rows(builds["incremental"], "select * from judgments")}
    texts = {row["doc_id"]: row["text"] for row in _rows(builds["incremental"], "select * from judgment_texts")}
    corrected, metadata_only, older = builds["corrected"], builds["metadata_only"], builds["older"]

    assert {"new-0", "new-1", "new-2", "new-repeat"} <= set(judgments)
    assert judgments["new-repeat"]["text_duplicate_of"] == builds["repeated"]["doc_id"]
    assert texts[corrected["doc_id"]] == corrected["text"] + "（更正）"
    assert judgments[corrected["doc_id"]]["capture_count"] == 2
    # a metadata-only capture changes the fields, the text stays
    assert judgments[metadata_only["doc_id"]]["cause"] == "新案由"
    assert texts[metadata_only["doc_id"]] == metadata_only["text"]
    # a capture older than the one held changes neither, only when the document was first seen
    assert (judgments[older["doc_id"]]["cause"], texts[older["doc_id"]]) == (older["cause"], older["text"])
    assert judgments[older["doc_id"]]["first_seen_at"] < older["captured_at"]
    # the first of two duplicates got another text: the other one, untouched, duplicates nothing now
    assert judgments["dup-later"]["text_duplicate_of"] is None

    availability = {row["doc_id"]: row for row in _rows(builds["incremental"], "select * from availability")}
    assert availability[builds["removed"]]["current_status"] == "removed"
    assert availability[builds["removed"]]["failed_check_count"] >= 1
    assert availability["never-archived"]["is_archived"] is False
    assert availability["new-0"]["current_status"] == "available"


def test_an_incremental_build_tests_only_the_new_raw_partitions_and_skips_unit_tests_and_seeds(builds: dict[str, Any]) -> None:
    assert "unit_test" in builds["first"]["nodes"] and "unit_test" not in builds["second"]["nodes"]
    assert "seed" in builds["first"]["nodes"] and "seed" not in builds["second"]["nodes"]  # loaded by the first

    def compiled_raw_test(warehouse: Path) -> str:
        target = warehouse.parent / f"{warehouse.stem}.dbt" / "target" / "run" / "wenshu" / "models" / "staging" / "raw"
        return (target / "stg_raw__observations.yml" / "not_null_stg_raw__observations_doc_id.sql").read_text()

    incremental, full = compiled_raw_test(builds["incremental"]), compiled_raw_test(builds["full"])
    new_partition = str(Path(builds["incremental"]).parent.parent / "raw" / "observations")
    assert "where raw_file in (" in incremental and new_partition in incremental
    assert incremental.count(".parquet'") == 1  # B's monitor partition alone
    assert "where true" in full and "raw_file" not in full


def test_a_bad_row_in_a_new_partition_fails_the_incremental_build(tmp_path: Path) -> None:
    context = RunContext.create(landing=str(tmp_path / "landing"), store=str(tmp_path / "store"), work=str(tmp_path / "work"))
    _raw_set_a(context, tmp_path)
    steps.transform(context)
    fingerprint.record_success(context, [])
    doc_id = _raw_rows(context, "observations", "true")[0]["doc_id"]
    _partition(context, "observations", "c-monitor.jsonl", [{"doc_id": doc_id, "checked_at": NOW, "status": "bogus"}])

    with pytest.raises(ValidationFailed) as failed:
        steps.transform(context)
    assert fingerprint.plan_build(context).new is not None  # still new: the next build tests it again
    assert "accepted_values_stg_raw__observations_status" in str(failed.value.report)


def test_an_incremental_build_that_runs_out_of_memory_retries_what_failed_and_equals_a_full_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = RunContext.create(landing=str(tmp_path / "landing"), store=str(tmp_path / "store"), work=str(tmp_path / "work"))
    _raw_set_a(context, tmp_path)
    steps.transform(context)
    fingerprint.record_success(context, [])
    _raw_set_b(context)
    calls = squeeze_memory(monkeypatch, {"build"})  # the build runs out of memory, the retry does not

    second = steps.transform(context)
    monkeypatch.undo()

    assert second["build"]["mode"] == "incremental"
    assert [call[0] for call in calls] == ["build", "retry"]
    _, retry = retried_after_running_out_of_memory(context.warehouse.with_suffix(".dbt") / "target")
    # the retry ran with the build's flags: the unit tests and seeds left to full builds
    assert not any(result["unique_id"].startswith(("unit_test.", "seed.")) for result in retry["results"])
    raw = {table: str(Path(context.work_url) / layout.raw_prefix(table) / "*.parquet") for table in RAW_TABLES}
    full = build(raw["judgments"], tmp_path / "full" / "wenshu.duckdb", raw_observations_glob=raw["observations"])
    differences = _differences(context.warehouse, full.duckdb_path)
    assert {table: diff for table, diff in differences.items() if diff[1] or diff[2]} == {}
    assert differences["judgment_texts"][0] > 0
