"""Skip a rerun that cannot change anything: same raw partitions, same code, store as we left it.

Raw partitions are content-addressed (their ids hash the parser version and the source bytes),
so the sorted list of raw keys in the work area identifies every input dbt will read. Together
with a hash of everything that turns those inputs into published bytes (the ``flows`` package,
the dbt project, the suites and the dataset definitions) it forms the run's fingerprint. A run
whose fingerprint equals the last successful run's, and whose store still shows the versions
that run left as latest, would rebuild the same marts and publish nothing: it stops after
ingest. Anything else (a new file, a changed model, a store someone withdrew from) runs in full.

The same fingerprints decide how dbt builds (:func:`plan_build`): the warehouse records which
raw partitions its incremental models reflect and which code built them, and a build is
incremental (only the documents in new partitions are recomputed) unless that record is
missing, the code changed or one of those partitions is gone; then it is full. The record names
the partitions a build is about to add before it starts, so an interrupted build is completed
by the next one (recomputing a document is idempotent) or, if they are gone by then, replaced.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import orjson

from flows import layout
from flows.pipeline.context import RunContext
from flows.publish import pointers
from flows.resources import DATAPACKAGES_DIR, DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT

_RAW_PREFIXES = (layout.raw_prefix("judgments"), layout.raw_prefix("observations"), layout.CURATION_RAW_PREFIX)
INCREMENTAL_TABLES = ("judgments", "observations")  # raw tables the incremental models read per document
_BUILD_STATE_TABLE = "wenshu_build_state"  # in the warehouse: one JSON row, see plan_build
_DBT_SKIP = {"target", "logs", "dbt_packages"}


@cache
def code_fingerprint() -> str:
    """sha256 over the source files that decide what a run builds and publishes, and the versions
    of the engines that run them: DuckDB's regex engine redacts the marts' texts, and dbt's
    packages (core, adapters, common, duckdb) compile the models and hold the built-in tests and
    materializations (an incremental build skips the unit tests that the last full build ran)."""
    engines = [f"duckdb {duckdb.__version__}", *_dbt_versions()]
    digest = hashlib.sha256("\0".join([*engines, ""]).encode())
    files = [*(PROJECT_ROOT / "flows").rglob("*.py"), *(PROJECT_ROOT / "flows").rglob("*.j2")]
    files += [p for p in DBT_PROJECT_DIR.rglob("*") if not _DBT_SKIP & set(p.relative_to(DBT_PROJECT_DIR).parts)]
    files += [*EXPECTATIONS_DIR.rglob("*"), *DATAPACKAGES_DIR.rglob("*")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _dbt_versions() -> list[str]:
    """``name version`` of every installed dbt distribution, sorted."""
    found = {}
    for distribution in importlib.metadata.distributions():
        name = (distribution.metadata["Name"] or "").lower().replace("_", "-")
        if name.startswith("dbt-"):
            found[name] = distribution.version
    return [f"{name} {version}" for name, version in sorted(found.items())]


def raw_keys(context: RunContext) -> list[str]:
    return sorted(key for prefix in _RAW_PREFIXES for key in context.work.list(prefix) if key.endswith(".parquet"))


def run_fingerprint(context: RunContext, raw: list[str] | None = None) -> str:
    document = {"raw": raw_keys(context) if raw is None else raw, "code": code_fingerprint(), "store": context.store_url}
    return hashlib.sha256(orjson.dumps(document)).hexdigest()


def last_success(context: RunContext) -> dict[str, Any]:
    return dict(pointers.read_json(context.work, layout.LAST_SUCCESS) or {})


def latest_versions(context: RunContext, datasets: list[str]) -> dict[str, str | None]:
    found = {name: pointers.read_json(context.store, layout.latest_pointer(name)) for name in datasets}
    return {name: (latest or {}).get("version") for name, latest in found.items()}


def unchanged_since_last_success(context: RunContext, datasets: list[str]) -> dict[str, Any] | None:
    """The last successful run's record if this run would repeat it exactly, else None."""
    last = last_success(context)
    if not last or last.get("fingerprint") != run_fingerprint(context):
        return None
    if last.get("latest") != latest_versions(context, datasets):
        return None
    return last


def record_success(context: RunContext, datasets: list[str]) -> None:
    """After a successful run: its fingerprint, the raw partitions it validated and built, what is latest."""
    raw = raw_keys(context)
    record = {"run_id": context.run_id, "fingerprint": run_fingerprint(context, raw), "raw": raw,
              "latest": latest_versions(context, datasets)}  # fmt: skip
    context.work.put(layout.LAST_SUCCESS, orjson.dumps(record, option=orjson.OPT_INDENT_2))


@dataclass(frozen=True)
class BuildPlan:
    """How the next dbt build runs: every raw key it reads, per raw table, and which of them are new.

    ``new`` is None for a full build (every model rebuilt from the whole raw layer).
    """

    raw: dict[str, list[str]]
    new: dict[str, list[str]] | None
    reason: str

    @property
    def full(self) -> bool:
        return self.new is None

    def summary(self) -> dict[str, Any]:
        new = {table: len(keys) for table, keys in (self.new or {}).items()}
        return {"mode": "full" if self.full else "incremental", "reason": self.reason, "new_partitions": new}


def plan_build(context: RunContext) -> BuildPlan:
    """Full or incremental, and over which new raw partitions, for a build into ``context.warehouse``."""
    raw = {table: sorted(k for k in context.work.list(layout.raw_prefix(table)) if k.endswith(".parquet"))
           for table in INCREMENTAL_TABLES}  # fmt: skip
    state = _build_state(context.warehouse)
    reason = _full_build_reason(context, state, {key for keys in raw.values() for key in keys})
    if reason or state is None:
        return BuildPlan(raw, None, reason or "")
    built = set(state["raw"])
    new = {table: [key for key in keys if key not in built] for table, keys in raw.items()}
    return BuildPlan(raw, new, f"{sum(map(len, new.values()))} raw partitions new since the warehouse was built")


def _full_build_reason(context: RunContext, state: dict[str, Any] | None, raw: set[str]) -> str | None:
    if not last_success(context):
        return "no successful run yet"
    if state is None:
        return "the warehouse records no complete build" if context.warehouse.is_file() else "no warehouse yet"
    if state.get("code") != code_fingerprint():
        return "the code changed since the warehouse was built"
    gone = (set(state["raw"]) | set(state["pending"])) - raw
    if gone:
        return f"{len(gone)} raw partitions the warehouse was built from are gone"
    return None


def record_build(context: RunContext, plan: BuildPlan, done: bool) -> None:
    """Before a build (``done`` False) and after it succeeded: what the warehouse reflects, by which code.

    A full build starts from no warehouse at all: it rebuilds everything in it anyway, and only a
    new file gives back the space of the builds before (a DuckDB file never shrinks) and takes
    the storage format the dbt profile asks for (fixed when a file is created). A failed full
    build leaves no warehouse, or one without a record: either is rebuilt in full. Before an
    incremental build the record names the partitions being added as pending.
    """
    warehouse = context.warehouse
    if done:
        everything = sorted(key for keys in plan.raw.values() for key in keys)
        state = {"code": code_fingerprint(), "raw": everything, "pending": []}
    elif plan.new is None:
        if warehouse.is_file():  # another process reading it (a publish) makes this fail, not the reader
            duckdb.connect(str(warehouse)).close()
        for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
            path.unlink(missing_ok=True)
        return
    else:
        built = _build_state(warehouse) or {}
        state = {**built, "pending": sorted(key for keys in plan.new.values() for key in keys)}
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create or replace table {_BUILD_STATE_TABLE} (state json)")
        con.execute(f"insert into {_BUILD_STATE_TABLE} values (?)", [orjson.dumps(state).decode()])


def unfinished_build(context: RunContext) -> str | None:
    """Why the warehouse must not be published from, or None: its last build failed or was stopped
    before it, tests included, finished (see :func:`record_build`). A failed test leaves the rows
    it found in the tables (a repeated key among them: keys are tested, not indexed). No
    warehouse at all is for the publish step to report."""
    if not context.warehouse.is_file():
        return None
    state = _build_state(context.warehouse)
    if state is None:
        return "the warehouse records no finished build: the last one failed (a test included) or was stopped"
    if state.get("pending"):
        return (f"the warehouse's last build, adding {len(state['pending'])} raw partitions, did not finish: "
                "it failed (a test included) or was stopped")  # fmt: skip
    return None


def _build_state(warehouse: Path) -> dict[str, Any] | None:
    if not warehouse.is_file():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = ?", [_BUILD_STATE_TABLE]
        ).fetchone()
        if not found or not found[0]:
            return None
        row = con.execute(f"select state from {_BUILD_STATE_TABLE}").fetchone()
    return dict(orjson.loads(row[0])) if row else None
