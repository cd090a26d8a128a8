"""The dbt build on a small synthetic raw layer: capture merge, court resolution, marts, failures."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dbtkit import retried_after_running_out_of_memory, squeeze_memory

from flows.errors import ConfigurationError, SourceError, ValidationFailed, WenshuError
from flows.records import JUDGMENT_SCHEMA
from flows.resources import DBT_PROJECT_DIR
from flows.tableschema import frictionless_type, model_description, table_schema
from flows.transform import BuildResult, build

pytestmark = pytest.mark.integration

MARTS = ("courts", "judgment_texts", "judgments")
TEXT = "安徽省阜南县人民法院\n刑事判决书\n……"


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _record(doc_id: str, source_file: str, source_line: int, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(JUDGMENT_SCHEMA.names)
    record.update(
        doc_id=doc_id,
        source_format="contract",
        source_file=source_file,
        source_line=source_line,
        source_sha256=hashlib.sha256(source_file.encode()).hexdigest(),
        ingested_at=_at(2024, 5, 1),
    )
    record.update(fields)
    return record


def _write(raw_dir: Path, name: str, records: list[dict[str, Any]]) -> None:
    raw_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(records, schema=JUDGMENT_SCHEMA), raw_dir / f"{name}.parquet")


WAN_1622 = dict(case_year=2016, case_province_abbr="皖", court_code="1622", case_type_code="刑初", case_number_style="2016")


def _raw_layer(raw_dir: Path) -> None:
    """d1 captured twice (text only in the first), d2 a high-court 案号, d3 an unknown court, d4 by code.

    皖1622 is 蒙城县人民法院: d1's name (阜南县人民法院) must win over its 案号.
    """
    _write(raw_dir, "a", [
        _record("d1", "a.jsonl", 1, case_number="（2016）皖1622刑初433号", case_sequence=433, **WAN_1622,
                court_name="阜南县人民法院", document_type="判决书", judgment_date=dt.date(2016, 12, 20),
                text=TEXT, text_chars=len(TEXT), text_sha256=hashlib.sha256(TEXT.encode()).hexdigest(),
                flags=["from_text"], captured_at=_at(2021, 1, 1)),
        _record("d2", "a.jsonl", 2, case_number="（2017）皖刑终12号", case_year=2017, case_province_abbr="皖",
                court_code="", case_type_code="刑终", case_sequence=12, case_number_style="2016",
                court_name="二审法院", captured_at=_at(2021, 1, 2)),
    ])  # fmt: skip
    _write(raw_dir, "b", [
        _record("d1", "b.jsonl", 1, case_number="（2016）皖1622刑初433号", case_sequence=433, **WAN_1622,
                court_name="阜南县人民法院", cause="盗窃罪", procedure="刑事一审", document_type="判决书",
                captured_at=_at(2022, 6, 1), ingested_at=_at(2024, 4, 1)),
        _record("d3", "b.jsonl", 2, case_number="（2013）火刑初字第1号", case_year=2013, case_type_code="刑初",
                case_sequence=1, case_number_style="legacy", court_name="火星人民法院", captured_at=None),
        _record("d4", "b.jsonl", 3, case_number="（2018）皖1622刑初7号", case_sequence=7, **{**WAN_1622, "case_year": 2018},
                court_name="蒙城法院", captured_at=_at(2023, 3, 3)),
    ])  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    work = tmp_path_factory.mktemp("transform")
    _raw_layer(work / "raw")
    return build(str(work / "raw" / "*.parquet"), work / "marts.duckdb")


def _rows(result: BuildResult, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(result.duckdb_path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_build_runs_every_node_and_counts_mart_rows(built: BuildResult) -> None:
    assert set(built.summary) == {"model", "seed", "test", "unit_test"}
    assert {status for statuses in built.summary.values() for status in statuses} <= {"success", "pass"}
    courts = _rows(built, "select count(*) as n from ref_courts")[0]["n"]
    assert {mart: built.row_counts[mart] for mart in MARTS} == {"courts": courts, "judgment_texts": 1, "judgments": 4}
    assert built.manifest_path.is_file()
    assert built.manifest_path.parent == built.duckdb_path.parent / "marts.dbt" / "target"
    # nothing written into the source tree
    assert not (DBT_PROJECT_DIR / "target").exists()
    assert not (DBT_PROJECT_DIR / "logs").exists()


def test_captures_are_merged_into_one_row_per_document(built: BuildResult) -> None:
    d1 = _rows(built, "select * from judgments where doc_id = 'd1'")[0]

    assert d1["capture_count"] == 2
    assert d1["first_seen_at"] == _at(2021, 1, 1)
    assert d1["last_seen_at"] == _at(2022, 6, 1)
    assert d1["cause"] == "盗窃罪"  # from the latest capture, although it was ingested first
    # the later capture had no text: the text of the earlier one is kept
    assert d1["text_chars"] == len(TEXT)
    assert d1["text_sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert _rows(built, "select doc_id, text from judgment_texts") == [{"doc_id": "d1", "text": TEXT}]

    d3 = _rows(built, "select * from judgments where doc_id = 'd3'")[0]
    assert d3["capture_count"] == 1
    assert d3["first_seen_at"] == d3["last_seen_at"] == _at(2024, 5, 1)  # no captured_at: ingest time


def test_courts_are_resolved_by_name_then_case_number(built: BuildResult) -> None:
    rows = {
        row["doc_id"]: row
        for row in _rows(
            built,
            "select j.doc_id, j.court_id, j.court_name, j.court_level, j.court_province, j.court_city, "
            "j.court_resolved_by, j.case_type, j.procedure, c.court_name as reference_name "
            "from judgments j left join courts c using (court_id)",
        )
    }

    court_ids = {row["court_name"]: row["court_id"] for row in _rows(built, "select court_name, court_id from courts")}
    assert (rows["d1"]["court_id"], rows["d1"]["court_resolved_by"]) == (court_ids["阜南县人民法院"], "court_name")
    assert (rows["d1"]["court_level"], rows["d1"]["court_province"], rows["d1"]["court_city"]) == ("基层", "安徽省", "阜阳市")
    assert (rows["d4"]["court_id"], rows["d4"]["court_resolved_by"]) == (court_ids["蒙城县人民法院"], "case_number")
    assert (rows["d4"]["court_name"], rows["d4"]["court_city"]) == (
        "蒙城县人民法院",
        "亳州市",
    )  # reference name replaces 蒙城法院
    assert (rows["d2"]["court_id"], rows["d2"]["court_level"]) == (court_ids["安徽省高级人民法院"], "高级")
    assert (rows["d2"]["case_type"], rows["d2"]["procedure"]) == ("刑事案件", "刑事二审")  # from the case-type seed
    assert rows["d3"]["court_id"] is None
    assert (rows["d3"]["court_name"], rows["d3"]["court_resolved_by"], rows["d3"]["reference_name"]) == (
        "火星人民法院",
        None,
        None,
    )


def test_table_schemas_match_the_built_tables(built: BuildResult) -> None:
    manifest = built.manifest()
    for mart in MARTS:
        schema = table_schema(manifest, mart, resources=MARTS)
        columns = _rows(
            built,
            f"select column_name, data_type from information_schema.columns where table_name = '{mart}' order by ordinal_position",
        )

        assert frictionless.Schema.validate_descriptor(schema).valid
        assert [field["name"] for field in schema["fields"]] == [column["column_name"] for column in columns]
        assert [field["type"] for field in schema["fields"]] == [frictionless_type(column["data_type"]) for column in columns]
        assert all(field.get("description") for field in schema["fields"])
        assert model_description(manifest, mart).lower().startswith("one row per")

    judgments = table_schema(manifest, "judgments", resources=MARTS)
    fields = {field["name"]: field for field in judgments["fields"]}
    assert judgments["primaryKey"] == ["doc_id"]
    assert judgments["foreignKeys"] == [{"fields": ["court_id"], "reference": {"resource": "courts", "fields": ["court_id"]}}]
    assert fields["doc_id"]["constraints"] == {"required": True, "unique": True}
    assert fields["first_seen_at"] == fields["first_seen_at"] | {"type": "datetime", "constraints": {"required": True}}
    assert fields["court_level"]["constraints"] == {"enum": ["最高", "高级", "中级", "基层", "专门"]}


def test_primary_keys_are_not_null_and_unindexed_and_tested_for_uniqueness(built: BuildResult) -> None:
    """An enforced key would be an ART index, which every checkpoint writes whole (macros/unindexed_keys.sql)."""
    keyed = {
        node["name"]: [*(column for c in node["constraints"] if c["type"] == "primary_key" for column in c["columns"]),
                       *(name for name, column in node["columns"].items()
                         if any(c["type"] == "primary_key" for c in column.get("constraints", [])))]
        for node in built.manifest()["nodes"].values() if node["resource_type"] == "model"
    }  # fmt: skip
    keyed = {name: key for name, key in keyed.items() if key}
    not_null_sql = "select table_name, unnest(constraint_column_names) as column from duckdb_constraints() where constraint_type = 'NOT NULL'"
    not_null = {(row["table_name"], row["column"]) for row in _rows(built, not_null_sql)}
    tested = {
        (node["attached_node"].split(".")[-1], tuple(node["test_metadata"]["kwargs"].get("combination_of_columns") or [node["column_name"]]))
        for node in built.manifest()["nodes"].values()
        if node["resource_type"] == "test" and node.get("test_metadata", {}).get("name") in ("unique", "unique_combination_of_columns")
    }

    assert {"judgments", "judgment_texts", "availability", "courts", "publication_stats", "removal_events"} <= set(keyed)
    assert _rows(built, "select table_name from duckdb_tables() where index_count > 0") == []
    assert _rows(built, "select table_name from duckdb_constraints() where constraint_type in ('PRIMARY KEY', 'UNIQUE')") == []
    for model, key in keyed.items():
        assert {(model, column) for column in key} <= not_null, model
        assert (model, tuple(key)) in tested, model


def test_rebuild_replaces_the_marts(built: BuildResult) -> None:
    again = build(str(built.duckdb_path.parent / "raw" / "*.parquet"), built.duckdb_path)

    assert again.row_counts == built.row_counts


def test_concurrent_builds_in_one_process_are_serialised(built: BuildResult, tmp_path: Path) -> None:
    raw = str(built.duckdb_path.parent / "raw" / "*.parquet")
    cwd = os.getcwd()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda name: build(raw, tmp_path / name / "marts.duckdb"), ["one", "two"]))

    assert [result.row_counts for result in results] == [built.row_counts, built.row_counts]
    assert os.getcwd() == cwd  # dbt changes directory while it runs
    assert "WENSHU_DBT_DUCKDB_PATH" not in os.environ


def test_failing_data_test_raises_validation_failed(tmp_path: Path) -> None:
    _write(tmp_path / "raw", "bad", [_record("x1", "bad.jsonl", 1, case_number_style="2099-style", captured_at=_at(2022, 1, 1))])

    with pytest.raises(ValidationFailed, match="accepted_values_stg_raw__judgments_case_number_style") as caught:
        build(str(tmp_path / "raw" / "*.parquet"), tmp_path / "marts.duckdb")

    failed = caught.value.report["failed_tests"]
    assert [(test["model"], test["column"], test["failures"]) for test in failed] == [
        ("model.wenshu.stg_raw__judgments", "case_number_style", 1)
    ]


def test_nodes_out_of_memory_are_retried_one_at_a_time(built: BuildResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _raw_layer(tmp_path / "raw")
    calls = squeeze_memory(monkeypatch, {"build"})

    again = build(str(tmp_path / "raw" / "*.parquet"), tmp_path / "marts.duckdb")

    assert [call[0] for call in calls] == ["build", "retry"]
    assert calls[1][-2:] == ["--threads", "1"]
    assert again.summary == built.summary  # every node ran, once retried: nothing in error or skipped
    assert again.row_counts == built.row_counts
    _, retry = retried_after_running_out_of_memory(tmp_path / "marts.dbt" / "target")
    assert retry["args"]["threads"] == 1
    assert len({result["thread_id"] for result in retry["results"]}) == 1  # one node at a time
    # the nodes that passed the first time are not run again, and are in the result all the same
    assert 0 < len(retry["results"]) < len(again.results)


def test_a_retry_out_of_memory_again_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _raw_layer(tmp_path / "raw")
    calls = squeeze_memory(monkeypatch, {"build", "retry"})

    # DuckDB words it in more than one way (see the unit tests): the error names the retry instead
    with pytest.raises(WenshuError, match=r"(?s)nodes in error.*\(the retry\) and .*run_results\.before-retry\.json"):
        build(str(tmp_path / "raw" / "*.parquet"), tmp_path / "marts.duckdb")
    assert [call[0] for call in calls] == ["build", "retry"]  # once, not until it passes


def test_unreadable_raw_layer_raises_wenshu_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "raw").mkdir()
    pq.write_table(pa.table({"doc_id": ["x1"]}), tmp_path / "raw" / "odd.parquet")
    calls = squeeze_memory(monkeypatch, set())

    with pytest.raises(WenshuError, match="stg_raw__judgments") as caught:
        build(str(tmp_path / "raw" / "*.parquet"), tmp_path / "marts.duckdb")
    assert not isinstance(caught.value, ValidationFailed)
    assert [call[0] for call in calls] == ["build"]  # an error other than memory is not retried


def test_no_raw_files_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no raw judgment files"):
        build(str(tmp_path / "raw" / "*.parquet"), tmp_path / "marts.duckdb")


def test_remote_raw_layer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="copy s3://work/raw"):
        build("s3://work/raw/judgments/*.parquet", tmp_path / "marts.duckdb")
