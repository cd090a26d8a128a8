"""Run suite files with Great Expectations, in SQL on DuckDB, and report per expectation.

The tables come from a DuckDB database file (the dbt warehouse, for the marts) or from Parquet
files (the raw layer): a mapping ``table -> glob`` becomes views in a scratch DuckDB file (or
tables, for ``s3://`` globs, so the bucket is read once, not once per expectation). GX then opens
that file read-only through ``duckdb-engine``; every expectation is a SQL query, no rows are
loaded into pandas. GX is imported inside :func:`validate_tables` (about 2 s: see ``gx_import``; a
pipeline run imports it earlier, while Prefect's server starts).
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from flows.errors import ConfigurationError, SourceError
from flows.resources import EXPECTATIONS_DIR
from flows.settings import get_settings
from flows.validate.report import (
    MAX_EXAMPLES,
    ExpectationOutcome,
    SuiteReport,
    ValidationReport,
    json_safe,
)
from flows.validate.suites import NAME_PATTERN, UNEXPECTED_ROWS, SuiteFile, load_suite

log = logging.getLogger(__name__)

TableSource = str | Path | Mapping[str, str | Sequence[str]]
CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
SUMMARY = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}
# Only COMPLETE returns the rows an unexpected_rows_query found (GX fetches at most 200 of them).
COMPLETE = {"result_format": "COMPLETE"}


def validate_tables(
    source: TableSource,
    suites: Sequence[str | Path],
    *,
    expectations_dir: Path = EXPECTATIONS_DIR,
    today: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ValidationReport:
    """Run ``suites`` (names in ``expectations_dir`` or file paths) on the tables of ``source``.

    ``source`` is a DuckDB file (path or ``duckdb:///path``) or a mapping table -> Parquet glob(s).
    Suites may use the parameters ``{"$PARAMETER": "today"}`` (ISO date, China Standard Time
    unless ``today`` is given) and ``current_year``, plus any in ``parameters``.
    Never raises for failed expectations: call ``raise_for_failures()`` on the report to gate.
    """
    started_at = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    suite_files = [load_suite(suite, expectations_dir) for suite in suites]
    if not suite_files:
        raise ConfigurationError("validate_tables needs at least one suite")
    today = today or dt.datetime.now(CHINA_STANDARD_TIME).date()
    values = {"today": today.isoformat(), "current_year": today.year, **(parameters or {})}
    with _database(source) as (database, label):
        _check_tables(database, {suite.table for suite in suite_files})
        reports = _run(database, suite_files, values)
    report = ValidationReport(
        source=label,
        suites=tuple(reports),
        started_at=started_at,
        seconds=time.perf_counter() - clock,
        parameters=values,
    )
    log.info(
        "validation done source=%s passed=%s suites=%s critical_failures=%s seconds=%.2f",
        label, report.passed, len(reports), len(report.failures("critical")), report.seconds,
    )  # fmt: skip
    return report


@contextmanager
def _database(source: TableSource) -> Iterator[tuple[Path, str]]:
    """The DuckDB file to validate and a label for reports; Parquet sources get a scratch file."""
    if isinstance(source, Mapping):
        scratch = Path(get_settings().scratch_dir).absolute()
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="validate-", dir=scratch) as folder:
            database = Path(folder) / "tables.duckdb"
            _create_parquet_tables(database, source)
            yield database, ", ".join(f"{table}={_globs(source[table])}" for table in sorted(source))
        return
    text = str(source)
    database = Path(text.removeprefix("duckdb:///"))
    if not database.is_file():
        raise SourceError(f"no DuckDB database at {database}: build the marts (transform) first")
    yield database.absolute(), str(database)


def _globs(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _create_parquet_tables(database: Path, tables: Mapping[str, str | Sequence[str]]) -> None:
    from flows.duck import connect

    for table in tables:
        if not NAME_PATTERN.match(table):
            raise ConfigurationError(f"table name {table!r} is not valid: use lowercase letters, digits, '_'")
    patterns = {table: [_local_or_url(p) for p in _globs(value)] for table, value in tables.items()}
    remote = any("://" in p for globs in patterns.values() for p in globs)
    with connect(database, s3=remote) as con:
        for table, globs in patterns.items():
            kind = "table" if any("://" in p for p in globs) else "view"
            files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in globs) + "]"
            try:
                con.execute(f"create {kind} {table} as select * from read_parquet({files})")
            except duckdb.Error as error:
                raise SourceError(f"cannot read Parquet for table {table} from {globs}: {error}") from error


def _local_or_url(pattern: str) -> str:
    if "://" in pattern:
        return pattern
    absolute = str(Path(pattern).absolute())
    if not glob.glob(absolute, recursive=True):
        raise SourceError(f"no Parquet files match {absolute}: run ingest first")
    return absolute


def _check_tables(database: Path, tables: set[str]) -> None:
    with duckdb.connect(str(database), read_only=True) as con:
        present = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
    missing = sorted(tables - present)
    if missing:
        raise ConfigurationError(
            f"{database} has no table {', '.join(missing)} that the suites run on "
            f"(tables there: {', '.join(sorted(present)) or 'none'})"
        )


def _run(database: Path, suite_files: list[SuiteFile], parameters: dict[str, Any]) -> list[SuiteReport]:
    from flows.validate.functions import register_on_engine
    from flows.validate.gx_duckdb import close_datasource, ensure_duckdb_dialect
    from flows.validate.gx_import import import_great_expectations

    gx = import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ensure_duckdb_dialect()
    for suite in suite_files:
        suite.to_gx()  # every suite builds before any query runs
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    settings = get_settings()
    config = {"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads}
    datasource = context.data_sources.add_sql(  # type: ignore[call-arg]  # kwargs is in GX's model, not its stub
        name="warehouse",
        connection_string=f"duckdb:///{database}",
        kwargs={"connect_args": {"read_only": True, "config": config}},
    )
    batches: dict[str, Any] = {}
    try:
        register_on_engine(datasource.get_execution_engine().engine)  # before any query: GX keeps that connection
        with warnings.catch_warnings():
            # duckdb-engine cannot reflect LIST columns (raw flags); GX only needs their names.
            warnings.filterwarnings("ignore", message="Did not recognize type 'list'")
            reports = []
            for suite in suite_files:
                if suite.table not in batches:
                    asset = datasource.add_table_asset(name=suite.table, table_name=suite.table)
                    batches[suite.table] = asset.add_batch_definition_whole_table("whole table").get_batch()
                reports.append(_run_suite(batches[suite.table], suite, parameters))
            return reports
    finally:
        close_datasource(datasource)


def _run_suite(batch: Any, suite: SuiteFile, parameters: dict[str, Any]) -> SuiteReport:
    clock = time.perf_counter()
    rows = [i for i, e in enumerate(suite.expectations) if e["type"] == UNEXPECTED_ROWS]
    others = [i for i in range(len(suite.expectations)) if i not in rows]
    results: dict[str, Any] = {}
    for indexes, result_format in ((others, SUMMARY), (rows, COMPLETE)):
        if indexes:
            validated = batch.validate(suite.to_gx(indexes), result_format=result_format, expectation_parameters=parameters)
            results.update({result.expectation_config.id: result for result in validated.results})
    outcomes = tuple(_outcome(suite, index, results.get(suite.expectation_id(index))) for index in range(len(suite.expectations)))
    report = SuiteReport(suite=suite.name, table=suite.table, outcomes=outcomes, seconds=time.perf_counter() - clock)
    for outcome in outcomes:
        if not outcome.success:
            log.warning(
                "expectation failed suite=%s expectation=%s severity=%s unexpected=%s error=%s",
                suite.name, outcome.label(), outcome.severity, outcome.unexpected_count, outcome.error,
            )  # fmt: skip
    return report


def _outcome(suite: SuiteFile, index: int, result: Any) -> ExpectationOutcome:
    written = suite.expectations[index]
    kwargs = written["kwargs"]
    base: dict[str, Any] = {
        "type": written["type"],
        "severity": suite.severity(index),
        "column": _column(kwargs),
        "kwargs": json_safe(kwargs),
        "description": written.get("description"),
    }
    if result is None:
        return ExpectationOutcome(success=False, error="GX returned no result for this expectation", **base)
    found = dict(result.result or {})
    error = _error(result.exception_info)
    if not result.success and not found and error is None:
        error = "GX reported failure without a result"
    if written["type"] == UNEXPECTED_ROWS:
        unexpected = found.get("observed_value")
        examples = (found.get("details") or {}).get("unexpected_rows") or []
    else:
        unexpected = found.get("unexpected_count")
        examples = found.get("partial_unexpected_list") or []
    return ExpectationOutcome(
        success=bool(result.success) and error is None,
        observed_value=json_safe(found.get("observed_value")),
        element_count=found.get("element_count"),
        unexpected_count=unexpected,
        examples=json_safe(examples[:MAX_EXAMPLES]),
        error=error,
        **base,
    )


def _column(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_list" in kwargs:
        return ", ".join(map(str, kwargs["column_list"]))
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    return None


def _error(exception_info: Any) -> str | None:
    """The first exception message GX recorded (flat, or keyed by metric as GX 1.x does)."""
    if not isinstance(exception_info, dict):
        return None
    candidates = [exception_info] + [v for v in exception_info.values() if isinstance(v, dict)]
    for info in candidates:
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "unknown error")
    return None
