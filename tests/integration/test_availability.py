"""Availability, removals, monthly statistics and coverage, built by dbt from a hand-made raw layer."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.publish.datasets import load_dataset
from flows.records import JUDGMENT_SCHEMA, OBSERVATION_SCHEMA
from flows.resources import SEEDS_DIR
from flows.tableschema import table_schema
from flows.transform import BuildResult, build

pytestmark = pytest.mark.integration

RESOURCES = ("availability", "removal_events", "publication_stats", "removal_stats", "coverage")


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _provenance(source_file: str, line: int) -> dict[str, Any]:
    return {
        "source_file": source_file,
        "source_line": line,
        "source_sha256": hashlib.sha256(source_file.encode()).hexdigest(),
        "ingested_at": _at(2026, 7, 1),
    }


def _judgment(line: int, doc_id: str, case_number: str, sequence: int, cause: str, published: dt.date) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(JUDGMENT_SCHEMA.names)
    row.update(
        doc_id=doc_id,
        case_number=case_number,
        case_year=int(case_number[1:5]),
        case_province_abbr="皖",
        court_code="1622",
        case_type_code="刑初",
        case_sequence=sequence,
        case_number_style="2016",
        court_name="蒙城县人民法院",
        case_type="刑事案件",
        cause=cause,
        publish_date=published,
        source_format="contract",
        captured_at=_at(2020, 1, 1),
        **_provenance("scraper.jsonl", line),
    )
    return row


# (doc_id, checked_at, status, reason)
CHECKS = [
    ("gone", _at(2020, 6, 1), "available", None),
    ("gone", _at(2021, 4, 2), "removed", "06"),
    ("gone", _at(2021, 9, 1), "error", "HTTP 503"),
    ("gone", _at(2022, 1, 5), "removed", None),
    ("back", _at(2020, 6, 1), "available", None),
    ("back", _at(2021, 4, 20), "not_found", None),
    ("back", _at(2021, 7, 1), "available", None),
    ("flaky", _at(2021, 4, 3), "error", "timeout"),
    ("flaky", _at(2021, 5, 3), "available", None),
    ("stranger", _at(2021, 5, 3), "removed", "02"),
]


def _raw_layer(root: Path, with_observations: bool = True) -> tuple[str, str | None]:
    (root / "judgments").mkdir(parents=True)
    judgments = [
        _judgment(1, "gone", "（2016）皖1622刑初2号", 2, "寻衅滋事罪", dt.date(2017, 3, 5)),
        _judgment(2, "back", "（2016）皖1622刑初5号", 5, "盗窃罪", dt.date(2017, 3, 20)),
        _judgment(3, "twin", "（2016）皖1622刑初5号", 5, "盗窃罪", dt.date(2017, 4, 1)),  # same 案号: a second document
        _judgment(4, "flaky", "（2016）皖1622刑初10号", 10, "盗窃罪", dt.date(2017, 4, 2)),
        _judgment(5, "quiet", "（2017）皖1622刑初3号", 3, "盗窃罪", None),
    ]
    pq.write_table(pa.Table.from_pylist(judgments, schema=JUDGMENT_SCHEMA), root / "judgments" / "a.parquet")
    if not with_observations:
        return str(root / "judgments" / "*.parquet"), None
    (root / "observations").mkdir()
    observations = [
        {"doc_id": doc_id, "checked_at": at, "status": status, "http_status": None, "reason": reason,
         **_provenance("monitor.jsonl", line)}
        for line, (doc_id, at, status, reason) in enumerate(CHECKS, start=1)
    ]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(observations, schema=OBSERVATION_SCHEMA), root / "observations" / "m.parquet")
    return str(root / "judgments" / "*.parquet"), str(root / "observations" / "*.parquet")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    root = tmp_path_factory.mktemp("availability")
    judgments, observations = _raw_layer(root / "raw")
    return build(judgments, root / "marts.duckdb", raw_observations_glob=observations)


def _rows(result: BuildResult, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(result.duckdb_path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_removed_documents_stay_archived_and_are_flagged(built: BuildResult) -> None:
    rows = {row["doc_id"]: row for row in _rows(built, "select * from availability")}

    assert set(rows) == {"gone", "back", "twin", "flaky", "quiet", "stranger"}
    assert {row["doc_id"] for row in _rows(built, "select doc_id from judgments")} == set(rows) - {"stranger"}
    gone = rows["gone"]
    assert (gone["current_status"], gone["is_removed_upstream"], gone["removed_at"]) == ("removed", True, _at(2021, 4, 2))
    assert (gone["reason_code"], gone["reason_text"]) == ("06", "人民法院认为不宜在互联网公布的其他情形")
    assert (gone["removal_count"], gone["check_count"], gone["failed_check_count"]) == (1, 3, 1)
    assert (gone["court_province"], gone["court_level"], gone["cause"]) == ("安徽省", "基层", "寻衅滋事罪")
    back = rows["back"]
    assert (back["current_status"], back["is_removed_upstream"], back["removed_at"]) == ("available", False, None)
    assert (back["first_removed_at"], back["reappeared_at"]) == (_at(2021, 4, 20), _at(2021, 7, 1))
    # a failed check is never a removal
    assert (rows["flaky"]["current_status"], rows["flaky"]["removal_count"]) == ("available", 0)
    assert (rows["quiet"]["current_status"], rows["quiet"]["is_archived"]) == ("unchecked", True)
    stranger = rows["stranger"]
    assert (stranger["is_archived"], stranger["reason_text"], stranger["cause"]) == (False, "未成年人犯罪的", None)


def test_removal_events_follow_the_timeline(built: BuildResult) -> None:
    events = _rows(built, "select * from removal_events order by doc_id, removal_number")

    assert [(e["doc_id"], e["removed_at"], e["reappeared_at"], e["days_removed"], e["is_ongoing"]) for e in events] == [
        ("back", _at(2021, 4, 20), _at(2021, 7, 1), 72, False),
        ("gone", _at(2021, 4, 2), None, 278, True),  # ongoing: days until the latest check
        ("stranger", _at(2021, 5, 3), None, 0, True),
    ]
    gone = events[1]
    assert (gone["last_available_before_at"], gone["last_checked_removed_at"]) == (_at(2020, 6, 1), _at(2022, 1, 5))


def test_monthly_statistics_add_up(built: BuildResult) -> None:
    published = _rows(built, "select * from publication_stats order by publish_month, cause")
    assert [(r["publish_month"], r["cause"], r["documents_published"], r["documents_removed_upstream"],
             r["documents_ever_removed"]) for r in published] == [
        (dt.date(2017, 3, 1), "寻衅滋事罪", 1, 1, 1),
        (dt.date(2017, 3, 1), "盗窃罪", 1, 0, 1),
        (dt.date(2017, 4, 1), "盗窃罪", 2, 0, 0),
    ]  # fmt: skip
    assert [r["documents_checked"] for r in published] == [1, 1, 1]  # twin was never checked; quiet has no publish date
    removals = _rows(built, "select * from removal_stats order by court_province, cause")
    assert [(r["removal_month"], r["court_province"], r["cause"], r["removals"], r["removals_reappeared"]) for r in removals] == [
        (dt.date(2021, 4, 1), "安徽省", "寻衅滋事罪", 1, 0),
        (dt.date(2021, 4, 1), "安徽省", "盗窃罪", 1, 1),
        (dt.date(2021, 5, 1), "未知", "未知", 1, 0),
    ]


def test_coverage_counts_each_case_number_once(built: BuildResult) -> None:
    rows = {row["case_series"]: row for row in _rows(built, "select * from coverage")}

    series = rows["（2016）皖1622刑初"]
    assert (series["max_sequence"], series["sequences_held"], series["documents_held"]) == (10, 3, 4)
    assert (series["missing_sequences"], series["missing_share"], series["court_name"]) == (7, 0.7, "蒙城县人民法院")
    assert (rows["（2017）皖1622刑初"]["missing_sequences"], rows["（2017）皖1622刑初"]["case_year"]) == (2, 2017)


def test_package_schemas_come_from_the_contracts(built: BuildResult) -> None:
    spec = load_dataset("cjo-availability")
    assert [resource.model for resource in spec.resources] == list(RESOURCES)
    manifest = built.manifest()
    for resource in RESOURCES:
        schema = table_schema(manifest, resource, resources=RESOURCES)
        columns = [row["column_name"] for row in _rows(built, f"select column_name from information_schema.columns where table_name = '{resource}' order by ordinal_position")]  # fmt: skip
        assert frictionless.Schema.validate_descriptor(schema).valid
        assert [field["name"] for field in schema["fields"]] == columns
        assert all(field.get("description") for field in schema["fields"])
        assert schema["primaryKey"]
    events = table_schema(manifest, "removal_events", resources=RESOURCES)
    assert events["foreignKeys"] == [{"fields": ["doc_id"], "reference": {"resource": "availability", "fields": ["doc_id"]}}]


def test_without_observations_every_document_is_unchecked(tmp_path: Path) -> None:
    judgments, _ = _raw_layer(tmp_path / "raw", with_observations=False)
    result = build(
        judgments, tmp_path / "marts.duckdb", raw_observations_glob=str(tmp_path / "raw" / "observations" / "*.parquet")
    )

    assert result.row_counts["removal_events"] == result.row_counts["removal_stats"] == 0
    assert _rows(result, "select current_status, count(*) as n from availability group by 1") == [
        {"current_status": "unchecked", "n": 5}
    ]


def test_reason_seed_is_the_cls_list(shared_data: Path) -> None:
    lists = json.loads((shared_data / "reference" / "wenshukt" / "cls.json").read_text(encoding="utf-8"))["cls"]
    [value] = [entry["value"] for entry in lists if entry["cls"] == "不公开理由"]
    with (SEEDS_DIR / "ref_not_public_reasons.csv").open(encoding="utf-8", newline="") as handle:
        seed = {row["reason_code"]: row["reason_text"] for row in csv.DictReader(handle)}
    assert seed == dict(pair.split("=", 1) for pair in value.split(";") if pair)
    assert seed["06"] == "人民法院认为不宜在互联网公布的其他情形"
