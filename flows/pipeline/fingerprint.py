"""Skip a rerun that cannot change anything: same raw partitions, same code, store as we left it.

Raw partitions are content-addressed (their ids hash the parser version and the source bytes),
so the sorted list of raw keys in the work area identifies every input dbt will read. Together
with a hash of everything that turns those inputs into published bytes (the ``flows`` package,
the dbt project, the suites and the dataset definitions) it forms the run's fingerprint. A run
whose fingerprint equals the last successful run's, and whose store still shows the versions
that run left as latest, would rebuild the same marts and publish nothing: it stops after
ingest. Anything else (a new file, a changed model, a store someone withdrew from) runs in full.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import orjson

from flows import layout
from flows.pipeline.context import RunContext
from flows.publish import pointers
from flows.resources import DATAPACKAGES_DIR, DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT

_RAW_PREFIXES = (layout.raw_prefix("judgments"), layout.raw_prefix("observations"), layout.CURATION_RAW_PREFIX)
_DBT_SKIP = {"target", "logs", "dbt_packages"}


@cache
def code_fingerprint() -> str:
    """sha256 over the source files that decide what a run builds and publishes."""
    digest = hashlib.sha256()
    files = [*(PROJECT_ROOT / "flows").rglob("*.py"), *(PROJECT_ROOT / "flows").rglob("*.j2")]
    files += [p for p in DBT_PROJECT_DIR.rglob("*") if not _DBT_SKIP & set(p.relative_to(DBT_PROJECT_DIR).parts)]
    files += [*EXPECTATIONS_DIR.rglob("*"), *DATAPACKAGES_DIR.rglob("*")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


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
