"""Build the marts: run the dbt project (seed, run, test) in-process on one DuckDB file.

A build is full (``--full-refresh``: every model from the whole raw layer) or incremental: given
an :class:`Increment`, the raw partition files added since the DuckDB file was last built, the
incremental models recompute only the documents those files mention (see the dbt project's
``macros/incremental_documents.sql``); the other models are rebuilt as usual. The tests of the raw
staging views then read only the new partitions (``macros/get_where_subquery.sql``), and dbt's
unit tests and seeds are left to full builds: a build is incremental only if the code that built
the warehouse, unit tests and seeds included, is unchanged (``flows.pipeline.fingerprint.plan_build``),
so rerunning them on the same SQL would prove nothing new, and the seeds are loaded already.

DuckDB's memory limit is the whole build's, and dbt runs two nodes at a time: when DuckDB runs out
of memory in some nodes (and in nothing else), ``dbt retry`` runs those and the nodes they held up
once more, one at a time, with the build's own flags.

``build`` is a plain function; the transform flow wraps it. dbt's runner keeps global state
(flags, event manager, working directory, environment), so calls are serialised with a lock,
the working directory and environment are restored afterwards, and dbt's ``target/`` and
``logs/`` live in ``<duckdb stem>.dbt/`` next to the DuckDB file, never in the source tree:
builds into different DuckDB files never share files.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from flows.duck import memory_limit_bytes
from flows.errors import ConfigurationError, SourceError, ValidationFailed, WenshuError
from flows.privacy import redaction_sql_of
from flows.resources import DBT_PROJECT_DIR
from flows.settings import environment, get_settings

logger = logging.getLogger(__name__)

_DBT_LOCK = threading.Lock()
_DBT_LOG_LEVELS = {"warn": logging.WARNING, "error": logging.ERROR}
_ERROR_STATUSES = {"error", "runtime error"}
# dbt runs in the flow's own process, beside Python, Prefect and dbt's parsed project (about
# 0.5 GB), and DuckDB's allocator keeps memory beyond its limit: with three quarters of a 2 GB
# budget the process peaked at 2.3-2.8 GB building 300,000 judgments (3.09 GB for the whole
# pipeline's tree). Half of it: 1.78 GB there, 1.75 GB at a million, and no slower
# (114 s for a million built alone, 119 s before).
_DBT_MEMORY_QUARTERS = 2  # of this process's DuckDB budget
REDACTION_PLACEHOLDER = "__WENSHU_REDACTED_VALUE__"  # where macros/redaction.sql puts the expression
# Two heavy models side by side can exhaust the build's memory limit where either alone fits: a
# benchmark's full build of 300,000 judgments failed so once (judgment_texts), and passed rerun.
# How DuckDB says it: an Out of Memory Error, or, when memory runs out as a model commits, a
# TransactionContext Error that quotes its buffer manager ("Failed to commit: could not allocate
# block of size ..."; it also fails to pin, resize or reserve).
_OUT_OF_MEMORY = re.compile(
    r"Out of Memory Error|(?:could not|failed to) (?:allocate|pin|resize|reserve) (?:memory )?(?:block|data)\b"
)
# The seeds, like the unit tests, are code: an incremental build finds them loaded by the last
# full build of the same code (flows.pipeline.fingerprint covers the dbt project, seeds included).
_LEFT_TO_FULL_BUILDS = ("--exclude-resource-type", "unit_test", "--exclude-resource-type", "seed")


@dataclass(frozen=True)
class NodeResult:
    """The outcome of one dbt node (seed, model, data test or unit test)."""

    unique_id: str
    resource_type: str
    status: str
    message: str | None
    failures: int | None
    seconds: float
    model: str | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class Increment:
    """The raw partition files (local paths) an incremental build adds, per raw table."""

    judgments: tuple[str, ...] = ()
    observations: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    duckdb_path: Path
    manifest_path: Path
    run_results_path: Path
    results: tuple[NodeResult, ...]
    row_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    incremental: bool = False

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        """Node counts by resource type and status, e.g. ``{"model": {"success": 9}}``."""
        counts: dict[str, Counter[str]] = {}
        for result in self.results:
            counts.setdefault(result.resource_type, Counter())[result.status] += 1
        return {kind: dict(statuses) for kind, statuses in sorted(counts.items())}

    def manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))


def build(
    raw_judgments_glob: str,
    duckdb_path: Path,
    select: str | None = None,
    raw_observations_glob: str | None = None,
    increment: Increment | None = None,
) -> BuildResult:
    """Seed, run and test the dbt project into ``duckdb_path``; return results and mart row counts.

    ``raw_judgments_glob`` and ``raw_observations_glob`` are local globs (relative to the working
    directory or absolute). Monitor observations are optional: without them (or when the glob
    matches nothing) the availability marts are built from the judgments alone.
    Without ``increment`` the build is full; with one, ``duckdb_path`` must hold a build of the
    raw layer without the increment's files (each of which the globs must match), by the same code.
    Raises SourceError if no raw judgment file matches, ValidationFailed (report: failing tests)
    if a dbt test fails, WenshuError with dbt's message on any other failure.
    """
    duckdb_path = Path(duckdb_path).resolve()
    raw_judgments_glob = _absolute_glob(raw_judgments_glob)
    observations_glob = _optional_glob(raw_observations_glob)
    new_partitions = "" if increment is None else json.dumps({
        "judgments": _new_files(increment.judgments, raw_judgments_glob),
        "observations": _new_files(increment.observations, observations_glob),
    })  # fmt: skip
    dbt_dir = duckdb_path.parent / f"{duckdb_path.stem}.dbt"
    target_dir = dbt_dir / "target"
    where = [
        *("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)),
        *("--target-path", str(target_dir), "--log-path", str(dbt_dir / "logs")),
        *("--log-level", "none", "--log-level-file", "info", "--no-use-colors"),
        "--no-send-anonymous-usage-stats",
    ]
    args = [
        "build",
        *where,
        *("--vars", json.dumps({"raw_judgments_glob": raw_judgments_glob, "raw_observations_glob": observations_glob})),
        *(("--full-refresh",) if increment is None else _LEFT_TO_FULL_BUILDS),
        *(("--select", select) if select else ()),
    ]
    settings = get_settings()
    env = {
        "WENSHU_DBT_DUCKDB_PATH": str(duckdb_path),
        "WENSHU_DUCKDB_THREADS": str(settings.duckdb_threads),
        "WENSHU_DUCKDB_MEMORY_LIMIT": f"{memory_limit_bytes() * _DBT_MEMORY_QUARTERS // 4}B",
        # not a var: vars that change between builds make dbt parse the whole project again
        "WENSHU_DBT_NEW_RAW_PARTITIONS": new_partitions,
        # the marts that publish a text and its hash redact it first (macros/redaction.sql)
        "WENSHU_DBT_REDACTION_SQL": redaction_sql_of(REDACTION_PLACEHOLDER),
    }
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    logger.info(
        "dbt build starting duckdb=%s raw=%s observations=%s select=%s new=%s",
        duckdb_path,
        raw_judgments_glob,
        observations_glob or "none",
        select,
        "all" if increment is None else f"{len(increment.judgments)}+{len(increment.observations)} partitions",
    )
    started = time.perf_counter()
    first_attempt = target_dir / "run_results.before-retry.json"
    first_attempt.unlink(missing_ok=True)  # an earlier build's: this one has not retried
    runs = {result.node.unique_id: result for result in _invoke(args, env).results}
    run_results = str(target_dir / "run_results.json")
    if ran_out := _out_of_memory(map(_node_result, runs.values())):
        # dbt retry reruns the nodes in error and those they held up, with the build's own flags
        logger.warning("dbt build: %s ran out of memory; retrying the failed and skipped nodes one at a time "
                       "(the first attempt's results: %s)", ", ".join(ran_out), first_attempt)  # fmt: skip
        shutil.copyfile(run_results, first_attempt)
        try:
            retried = _invoke(["retry", *where, "--threads", "1"], env).results
        except WenshuError as error:
            raise WenshuError(f"{error} (retrying {', '.join(ran_out)}, which ran out of memory: see {first_attempt})") from error
        runs |= {result.node.unique_id: result for result in retried}
        run_results = f"{run_results} (the retry) and {first_attempt}"
    results = tuple(_node_result(result) for result in runs.values())
    _raise_on_failure(results, run_results)
    marts = sorted(
        result.node.name
        for result in runs.values()
        if result.node.resource_type == "model" and result.node.fqn[1] == "marts" and result.status == "success"
    )
    built = BuildResult(
        duckdb_path=duckdb_path,
        manifest_path=target_dir / "manifest.json",
        run_results_path=target_dir / "run_results.json",
        results=results,
        row_counts=_row_counts(duckdb_path, marts),
        seconds=round(time.perf_counter() - started, 3),
        incremental=increment is not None,
    )
    logger.info("dbt build done seconds=%s nodes=%s rows=%s", built.seconds, built.summary, built.row_counts)
    return built


def _absolute_glob(pattern: str) -> str:
    """Make a local glob absolute (dbt runs from the project folder) and check it matches."""
    if "://" in pattern:
        raise ConfigurationError(f"dbt reads the raw layer from local files: copy {pattern} to the scratch folder first")
    pattern = os.path.abspath(pattern)
    if not glob.glob(pattern, recursive=True):
        raise SourceError(f"no raw judgment files match {pattern}: run ingest first")
    return pattern


def _new_files(files: tuple[str, ...], pattern: str) -> list[str]:
    """Absolute paths of an increment's files, as DuckDB names the files ``pattern`` matches.

    The models pick new rows by their file name: a file outside the glob (or named differently)
    would silently count as old, so it is refused.
    """
    paths = [os.path.abspath(file) for file in files]
    unmatched = sorted(set(paths) - set(glob.glob(pattern, recursive=True))) if pattern else paths
    if unmatched:
        raise ConfigurationError(f"new raw partitions outside the raw layer {pattern or '(none)'}: {unmatched[:3]}")
    return paths


def _optional_glob(pattern: str | None) -> str:
    """The absolute glob of an optional raw table, or '' when there is none or it matches nothing."""
    if not pattern:
        return ""
    if "://" in pattern:
        raise ConfigurationError(f"dbt reads the raw layer from local files: copy {pattern} to the scratch folder first")
    pattern = os.path.abspath(pattern)
    return pattern if glob.glob(pattern, recursive=True) else ""


@contextmanager
def _dbt_context(env: Mapping[str, str]) -> Iterator[None]:
    """One dbt call at a time, with ``env`` set and the working directory restored after."""
    with _DBT_LOCK, environment(env):
        cwd = os.getcwd()
        try:
            yield
        finally:
            os.chdir(cwd)


def _invoke(args: list[str], env: Mapping[str, str]) -> Any:
    from dbt.cli.main import dbtRunner  # imported lazily: dbt takes ~1 s to import

    with _dbt_context(env):
        try:
            outcome = dbtRunner(callbacks=[_forward_event]).invoke(args)
        finally:
            _close_duckdb()
    if outcome.exception is not None and not isinstance(outcome.exception, Exception):
        raise outcome.exception  # Ctrl-C or SIGTERM, which dbt catches as it does any error: not a failed build
    if outcome.exception is not None:
        raise WenshuError(f"dbt build failed: {outcome.exception}") from outcome.exception
    if outcome.result is None or not hasattr(outcome.result, "results"):
        raise WenshuError("dbt build returned no results: see the dbt log next to the DuckDB file")
    return outcome.result


def _close_duckdb() -> None:
    """Close the database dbt kept open for the whole build (profile: keep_open), releasing the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    try:
        DuckDBConnectionManager.env().close()
    except Exception:  # dbt-duckdb raises a bare Exception when it never opened one
        logger.debug("no DuckDB environment to close")
    DuckDBConnectionManager.close_all_connections()


def _forward_event(event: Any) -> None:
    level = _DBT_LOG_LEVELS.get(event.info.level)
    if level is not None:
        logger.log(level, "dbt: %s", event.info.msg)


def _out_of_memory(results: Iterable[NodeResult]) -> list[str]:
    """The nodes in error, if DuckDB ran out of memory in each of them and no test failed (else
    none: a retry would not help, and would run the failing tests again)."""
    results = list(results)
    errors = [result for result in results if result.status in _ERROR_STATUSES]
    if not errors or any(result.status == "fail" for result in results):
        return []
    if not all(_OUT_OF_MEMORY.search(result.message or "") for result in errors):
        return []
    return [result.unique_id for result in errors]


def _node_result(result: Any) -> NodeResult:
    node = result.node
    return NodeResult(
        unique_id=node.unique_id,
        resource_type=str(node.resource_type),
        status=str(result.status),
        message=result.message,
        failures=result.failures,
        seconds=round(result.execution_time or 0.0, 3),
        model=getattr(node, "attached_node", None) or getattr(node, "model", None),
        column=getattr(node, "column_name", None),
    )


def _raise_on_failure(results: tuple[NodeResult, ...], run_results: str) -> None:
    """Raise on any node in error (WenshuError) or test that failed (ValidationFailed); ``run_results``
    says where dbt's results are (after a retry, in two files)."""
    errors = [result for result in results if result.status in _ERROR_STATUSES]
    if errors:
        detail = "; ".join(f"{result.unique_id}: {result.message}" for result in errors)
        raise WenshuError(f"dbt build failed ({len(errors)} nodes in error): {detail}; see {run_results}")
    failed = [result for result in results if result.status == "fail"]
    if failed:
        names = ", ".join(f"{result.unique_id} ({result.message})" for result in failed)
        raise ValidationFailed(
            f"{len(failed)} dbt tests failed: {names}; see {run_results}",
            report={
                "failed_tests": [result.as_dict() for result in failed],
                "results": [result.as_dict() for result in results],
                "run_results_path": run_results,
            },
        )


def _row_counts(duckdb_path: Path, tables: list[str]) -> dict[str, int]:
    if not tables:
        return {}
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return {name: int(con.execute(f'select count(*) from main."{name}"').fetchall()[0][0]) for name in tables}
