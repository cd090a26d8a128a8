"""The validation gate: suite files, the GX-on-DuckDB fix (with failing controls), reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.errors import ConfigurationError, SourceError, ValidationFailed
from flows.records import JUDGMENT_SCHEMA
from flows.resources import SEEDS_DIR
from flows.validate import (
    ExpectationOutcome,
    SuiteReport,
    ValidationReport,
    available_suites,
    load_suite,
    render_markdown,
    validate_tables,
)
from flows.validate.report import MAX_EXAMPLES

TODAY = dt.date(2024, 6, 30)
SHIPPED = ("raw_judgments", "judgments", "courts")
CAPTURED = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from flows.settings import get_settings

    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def judgment(i: int, **changes: Any) -> dict[str, Any]:
    text = f"安徽省怀远县人民法院刑事判决书 被告人甲{i}犯盗窃罪。" * 3
    judged = dt.date(2016, 3, 1) + dt.timedelta(days=i)
    row = {
        "doc_id": f"doc-{i % 7}",  # captures repeat: doc_id is not unique in the raw layer
        "case_number": f"（2016）皖1622刑初{i}号", "case_year": 2016, "case_province_abbr": "皖",
        "court_code": "1622", "case_type_code": "刑初", "case_sequence": i, "case_number_style": "2016",
        "case_number_error": None, "title": "张某盗窃一审刑事判决书", "court_name": "怀远县人民法院",
        "case_type": "刑事案件", "procedure": "刑事一审", "cause": "盗窃罪", "document_type": "判决书",
        "judgment_date": judged, "publish_date": judged + dt.timedelta(days=20), "parties_count": 2,
        "parties_json": "[]", "legal_basis_json": "[]", "text": text, "text_chars": len(text),
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "flags": [],
        "source_format": "wenshu_jsonl", "source_file": "scraper/a.jsonl", "source_line": i + 1,
        "source_sha256": "ab" * 32, "captured_at": CAPTURED, "ingested_at": CAPTURED,
    }  # fmt: skip
    row.update(changes)
    return row


def write_raw(folder: Path, rows: list[dict[str, Any]]) -> str:
    """One raw partition; every field nullable so deliberately bad rows can be written."""
    folder.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([field.with_nullable(True) for field in JUDGMENT_SCHEMA])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "part.parquet")
    return str(folder / "*.parquet")


def write_suite(folder: Path, name: str, table: str, expectations: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"name": name, "meta": {"table": table}, "expectations": expectations}))
    return path


def outcome(report: ValidationReport, description: str) -> ExpectationOutcome:
    return next(o for s in report.suites for o in s.outcomes if o.description == description)


# --- suite files (no GX needed) ---------------------------------------------------------------


def test_importing_the_package_does_not_import_gx() -> None:
    code = "import sys, flows.validate; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_gx_imports_without_scipy_stats_and_altair_until_they_are_used() -> None:
    code = """
import gc, sys
from flows.validate.gx_import import import_great_expectations
before = gc.get_threshold()
gx = import_great_expectations()
assert gx.__name__ == 'great_expectations'
assert gc.get_threshold() == before, 'the import collects less often, and only while it runs'
assert import_great_expectations() is gx
loaded = {n for n in sys.modules if n.startswith(('scipy.stats.', 'altair.'))}
assert not loaded, sorted(loaded)[:5]
# GX's own handle on them (import altair as alt; from scipy import stats) reaches the real modules
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
assert abs(kl.stats.entropy([0.5, 0.5]) - 0.6931471805599453) < 1e-12
assert kl.alt.Chart.__module__.startswith('altair.')
import scipy.stats, altair
assert type(sys.modules['scipy.stats']) is type(sys), 'the real module replaces the stand-in'
assert scipy.stats.norm.cdf(0) == 0.5 and altair.__version__
from scipy.stats import norm
assert norm is scipy.stats.norm
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shipped_suites_load_and_name_their_tables() -> None:
    assert set(SHIPPED) <= set(available_suites())
    tables = {name: load_suite(name).table for name in SHIPPED}
    assert tables == {"raw_judgments": "raw_judgments", "judgments": "judgments", "courts": "courts"}
    for name in SHIPPED:
        severities = {load_suite(name).severity(i) for i in range(len(load_suite(name).expectations))}
        assert severities <= {"critical", "warning"}


def test_raw_suite_expects_exactly_the_record_schema() -> None:
    suite = load_suite("raw_judgments")
    (columns,) = [e for e in suite.expectations if e["type"] == "expect_table_columns_to_match_set"]
    assert columns["kwargs"]["column_set"] == JUDGMENT_SCHEMA.names
    assert not any(
        e["type"] == "expect_column_values_to_be_unique" and e["kwargs"].get("column") == "doc_id" for e in suite.expectations
    ), "doc_id repeats across captures in the raw layer"


def test_source_format_sets_cover_every_ingest_adapter() -> None:
    from flows.ingest.adapters import JUDGMENT_ADAPTERS

    for name in ("raw_judgments", "judgments"):
        (in_set,) = [
            e for e in load_suite(name).expectations
            if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "source_format"
        ]  # fmt: skip
        assert {adapter.name for adapter in JUDGMENT_ADAPTERS} <= set(in_set["kwargs"]["value_set"]), name


def test_unknown_suite_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match=r"no suite named 'nope'.*raw_judgments"):
        load_suite("nope")
    with pytest.raises(ConfigurationError, match="not valid"):
        load_suite("../etc/passwd")
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_suite(Path("/nonexistent/suite.json"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"name": "other", "meta": {"table": "t"}, "expectations": []}, "must be named after its suite"),
        ({"name": "s", "meta": {}, "expectations": [{}]}, "meta.table"),
        ({"name": "s", "meta": {"table": "t"}, "expectations": []}, "non-empty list"),
        ({"name": "s", "meta": {"table": "t"}, "expectations": [{"type": "x", "kwargs": {}}]}, "'severity'"),
        (
            {"name": "s", "meta": {"table": "t"},
             "expectations": [{"type": "x", "kwargs": {}, "severity": "critical", "colour": 1}]},
            "unknown keys",
        ),
        (
            {"name": "s", "meta": {"table": "t"},
             "expectations": [{"type": "unexpected_rows_expectation", "severity": "critical",
                               "kwargs": {"unexpected_rows_query": "select * from t"}}]},
            "{batch}",
        ),
    ],
)  # fmt: skip
def test_malformed_suite_files_are_rejected(tmp_path: Path, content: dict, problem: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ConfigurationError, match=problem.replace("{", r"\{").replace("}", r"\}")):
        load_suite(path)


def test_missing_sources_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no DuckDB database"):
        validate_tables(tmp_path / "missing.duckdb", ["judgments"])
    with pytest.raises(SourceError, match="no Parquet files match"):
        validate_tables({"raw_judgments": str(tmp_path / "raw/*.parquet")}, ["raw_judgments"])
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table other (x int)")
    with pytest.raises(ConfigurationError, match=r"no table judgments.*tables there: other"):
        validate_tables(database, ["judgments"])


# --- reports (no GX needed) -------------------------------------------------------------------


def _report(*outcomes: ExpectationOutcome) -> ValidationReport:
    suite = SuiteReport(suite="raw_judgments", table="raw_judgments", outcomes=outcomes, seconds=0.1)
    return ValidationReport(source="x", suites=(suite,), started_at=dt.datetime.now(dt.UTC), seconds=0.1)


def test_only_critical_failures_fail_the_gate() -> None:
    warning = ExpectationOutcome(type="expect_x", severity="warning", success=False, column="case_year")
    passed = _report(warning, ExpectationOutcome(type="expect_y", severity="critical", success=True))
    assert passed.passed
    passed.raise_for_failures()
    assert [o for _, o in passed.failures("warning")] == [warning]

    critical = ExpectationOutcome(
        type="expect_column_values_to_not_be_null", severity="critical", success=False, column="doc_id",
        unexpected_count=2, examples=[None, None], description="every record has a doc_id",
    )  # fmt: skip
    failed = _report(warning, critical)
    assert not failed.passed
    with pytest.raises(ValidationFailed) as caught:
        failed.raise_for_failures()
    message = str(caught.value)
    assert "raw_judgments" in message and "expect_column_values_to_not_be_null(doc_id)" in message
    assert "2 unexpected" in message and "[None, None]" in message and "case_year" not in message
    assert caught.value.report == failed.to_dict()
    json.dumps(caught.value.report)


def test_markdown_lists_every_expectation() -> None:
    report = _report(
        ExpectationOutcome(type="t1", severity="critical", success=True, description="fine"),
        ExpectationOutcome(type="t2", severity="critical", success=False, examples=["a|b"], unexpected_count=1),
        ExpectationOutcome(type="t3", severity="warning", success=False, error="boom"),
    )
    text = render_markdown(report)
    assert text.startswith("# Validation FAILED")
    assert "✅ | fine" in text and "❌ | t2" in text and "⚠️ | t3" in text
    assert "a\\|b" in text and "boom" in text


# --- running GX on DuckDB ---------------------------------------------------------------------


def test_shipped_suites_parse_as_gx_suites() -> None:
    for name in SHIPPED:
        suite = load_suite(name)
        gx_suite = suite.to_gx()
        assert gx_suite.name == name
        assert len(gx_suite.expectations) == len(suite.expectations)
        assert [e.severity.value for e in gx_suite.expectations] == [e["severity"] for e in suite.expectations]


@pytest.mark.parametrize(
    ("expectation", "problem"),
    [
        ({"type": "expect_column_to_be_nice", "kwargs": {}}, "expect_column_to_be_nice not found"),
        ({"type": "expect_column_values_to_not_be_null", "kwargs": {"colum": "x"}}, "colum"),
    ],
)
def test_expectations_gx_cannot_build_are_rejected(tmp_path: Path, expectation: dict, problem: str) -> None:
    """GX itself would log an unknown type and drop the expectation: a typo must not remove a check."""
    path = write_suite(tmp_path, "typo", "t", [{**expectation, "severity": "critical"}])
    with pytest.raises(ConfigurationError, match=rf"not a valid GX suite: expectation #0 .*{problem}"):
        load_suite(path).to_gx()


@pytest.fixture()
def controls_db(tmp_path: Path) -> Path:
    database = tmp_path / "controls.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(
            "create table t as select i as id, case when i % 4 = 0 then 'not-a-sha' else repeat('a', 64) end as sha,"
            " case when i = 3 then null else 'x' end as label from range(1, 11) r(i)"
        )
    return database


def test_failing_controls_fail_with_real_unexpected_values(tmp_path: Path, controls_db: Path) -> None:
    """If the DuckDB fix regresses, GX fails every expectation with an empty result: these catch it."""
    suite = write_suite(tmp_path / "suites", "controls", "t", [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "id", "min_value": 1, "max_value": 5},
         "severity": "critical", "description": "must fail"},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "label"}, "severity": "critical",
         "description": "must fail too"},
        {"type": "unexpected_rows_expectation", "severity": "critical", "description": "bad sha",
         "kwargs": {"unexpected_rows_query": "select id, sha from {batch} where not regexp_matches(sha, '^[0-9a-f]{{64}}$')"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}, "severity": "critical",
         "description": "must pass"},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 10, "max_value": 10},
         "severity": "critical", "description": "ten rows"},
        {"type": "unexpected_rows_expectation", "severity": "critical", "description": "no row over 10",
         "kwargs": {"unexpected_rows_query": "select id from {batch} where id > 10"}},
    ])  # fmt: skip
    report = validate_tables(controls_db, [suite])

    between = outcome(report, "must fail")
    assert between.success is False and between.error is None
    assert between.unexpected_count == 5 and between.element_count == 10
    assert between.examples == [6, 7, 8, 9, 10]
    not_null = outcome(report, "must fail too")
    assert not_null.success is False and not_null.unexpected_count == 1
    bad_sha = outcome(report, "bad sha")
    assert bad_sha.success is False and bad_sha.unexpected_count == 2
    assert bad_sha.examples == [{"id": 4, "sha": "not-a-sha"}, {"id": 8, "sha": "not-a-sha"}]

    assert outcome(report, "must pass").success is True
    assert outcome(report, "must pass").unexpected_count == 0
    assert outcome(report, "ten rows").success is True and outcome(report, "ten rows").observed_value == 10
    assert outcome(report, "no row over 10").success is True
    assert not report.passed
    # GX's persisted connection is closed again: the file can be opened for writing.
    with duckdb.connect(str(controls_db)) as con:
        con.execute("insert into t values (11, null, null)")


def test_unexpected_rows_run_their_query_once_and_count_past_the_example_limit(tmp_path: Path) -> None:
    """GX's own class runs each query twice (rows, then count(*)); ours once, unless the rows fill the limit."""
    database = tmp_path / "many.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table t as select i as id from range(1, 1001) r(i)")
    suite = write_suite(tmp_path / "suites", "many", "t", [
        {"type": "unexpected_rows_expectation", "severity": "critical", "description": "none over 1000",
         "kwargs": {"unexpected_rows_query": "select id from {batch} where id > 1000"}},
        {"type": "unexpected_rows_expectation", "severity": "critical", "description": "seven",
         "kwargs": {"unexpected_rows_query": "select id from {batch} where id % 100 = 7 and id < 700"}},
        {"type": "unexpected_rows_expectation", "severity": "critical", "description": "past the limit",
         "kwargs": {"unexpected_rows_query": "select id from {batch} where id > 250"}},
    ])  # fmt: skip
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    queries: list[str] = []
    execute = SqlAlchemyExecutionEngine.execute_query

    def recording(self: Any, query: Any) -> Any:
        queries.append(str(query))
        return execute(self, query)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SqlAlchemyExecutionEngine, "execute_query", recording)
        report = validate_tables(database, [suite])

    passing, seven, many = (outcome(report, name) for name in ("none over 1000", "seven", "past the limit"))
    assert passing.success is True and passing.unexpected_count == 0
    assert seven.success is False and seven.unexpected_count == 7
    assert len(seven.examples) == MAX_EXAMPLES
    assert all(row["id"] in (7, 107, 207, 307, 407, 507, 607) for row in seven.examples)
    assert many.success is False and many.unexpected_count == 750 and len(many.examples) == MAX_EXAMPLES
    ran = [sum("id > 1000" in q for q in queries), sum("id % 100 = 7" in q for q in queries), sum("id > 250" in q for q in queries)]
    assert ran == [1, 1, 2]  # the third filled the 200-row limit, so it was counted


def test_errors_inside_gx_are_reported_never_passed(tmp_path: Path, controls_db: Path) -> None:
    """expect_column_values_to_match_regex has no DuckDB translation in GX: the suites use regexp_matches."""
    suite = write_suite(tmp_path / "suites", "regex", "t", [
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "sha", "regex": "^[0-9a-f]{64}$"},
         "severity": "warning"},
    ])  # fmt: skip
    (result,) = validate_tables(controls_db, [suite]).suites[0].outcomes
    assert result.success is False
    assert result.error and "Regex is not supported for dialect duckdb" in result.error


@pytest.fixture()
def good_raw(tmp_path: Path) -> list[dict[str, Any]]:
    return [judgment(i) for i in range(40)]


def test_raw_gate_passes_on_a_good_raw_layer(tmp_path: Path, good_raw: list[dict[str, Any]]) -> None:
    raw = write_raw(tmp_path / "raw", good_raw)
    report = validate_tables({"raw_judgments": raw}, ["raw_judgments"], today=TODAY)
    failed = [(o.label(), o.error, o.examples) for o in report.suites[0].outcomes if not o.success]
    assert failed == []
    assert report.passed and report.parameters["today"] == "2024-06-30"
    assert outcome(report, "the raw layer holds at least one judgment").observed_value == 40


def test_raw_gate_fails_on_bad_data_and_names_the_expectations(tmp_path: Path, good_raw: list[dict[str, Any]]) -> None:
    good_raw[3] = judgment(3, doc_id=None)
    good_raw[5] = judgment(5, text_sha256="NOT-A-SHA")
    good_raw[7] = judgment(7, judgment_date=dt.date(2030, 1, 1), publish_date=dt.date(2030, 2, 1))
    good_raw[9] = judgment(9, publish_date=dt.date(2015, 1, 1))
    good_raw[11] = judgment(11, case_year=2017)  # judged 2016: a warning only
    good_raw[13] = judgment(13, text_sha256=hashlib.sha256(b"another text").hexdigest())  # well formed, wrong
    raw = write_raw(tmp_path / "raw", good_raw)
    report = validate_tables({"raw_judgments": raw}, ["raw_judgments"], today=TODAY)

    assert not report.passed
    failed = {o.description: o for _, o in report.failures("critical")}
    assert failed["every record has a doc_id"].unexpected_count == 1
    assert failed["text_sha256 is 64 lowercase hex digits"].examples[0]["text_sha256"] == "NOT-A-SHA"
    described = failed["text_chars and text_sha256 describe text (length in characters, SHA-256 of UTF-8)"]
    assert described.unexpected_count == 2  # the malformed hash and the wrong one
    assert failed["judged between 1949-10-01 and today"].examples == ["2030-01-01"]
    assert failed["published between 1949-10-01 and today"].examples == ["2030-02-01"]
    assert failed["not published before it was judged"].examples[0]["publish_date"] == "2015-01-01"
    assert len(failed) == 6
    assert [o.description for _, o in report.failures("warning")] == ["not judged before the year in its 案号"]

    with pytest.raises(ValidationFailed) as caught:
        report.raise_for_failures()
    message = str(caught.value)
    assert "raw_judgments: expect_column_values_to_not_be_null(doc_id)" in message
    assert "expect_column_values_to_be_between(judgment_date)" in message and "2030-01-01" in message
    assert "not published before it was judged" in message
    assert caught.value.report["passed"] is False


def write_marts(database: Path, rows: list[dict[str, Any]]) -> None:
    courts = SEEDS_DIR / "ref_courts.csv"
    if not courts.is_file():
        pytest.skip("dbt_project/seeds/ref_courts.csv has not been generated")
    raw = write_raw(database.parent / "mart-raw", rows)
    with duckdb.connect(str(database)) as con:
        con.execute(f"""
            create table courts as
            select court_id, trim(court_name) as court_name, court_level, province_name, province_abbr,
                nullif(city_name, '') as city_name, nullif(division_code, '') as division_code,
                nullif(court_code, '') as court_code, nullif(parent_court_id, '') as parent_court_id
            from read_csv('{courts}', all_varchar = true)
        """)
        con.execute(f"""
            create table judgments as
            select doc_id, case_number, case_year, case_province_abbr, court_code, '安徽省' as court_province,
                case_type_code, case_sequence, case_number_style, title, case_type, procedure,
                '001012' as court_id, court_name, '基层' as court_level, '蚌埠市' as court_city,
                'court_name' as court_resolved_by, cause, document_type, judgment_date, publish_date,
                parties_count, text_chars, text_sha256, source_format, 1 as capture_count,
                captured_at as first_seen_at, ingested_at as last_seen_at
            from read_parquet('{raw}')
        """)


def test_mart_gates_pass_and_catch_a_duplicate_doc_id(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    write_marts(database, [judgment(i, doc_id=f"doc-{i}") for i in range(30)])
    report = validate_tables(f"duckdb:///{database}", ["judgments", "courts"], today=TODAY)
    failed = [(s.suite, o.label(), o.error) for s in report.suites for o in s.outcomes if not o.success]
    assert failed == [] and report.passed
    assert outcome(report, "the court list is loaded").observed_value > 3000

    with duckdb.connect(str(database)) as con:
        con.execute("insert into judgments select * from judgments where doc_id = 'doc-4'")
    report = validate_tables(database, ["judgments"], today=TODAY)
    (failure,) = report.failures("critical")
    assert failure[1].label() == 'expect_column_values_to_be_unique(doc_id) "one row per doc_id"'
    assert failure[1].unexpected_count == 2 and failure[1].examples == ["doc-4", "doc-4"]
