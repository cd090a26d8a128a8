"""What the incremental and no-op runs must have published, checked from the store itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import orjson

DATASET = "cjo-judgments"
TABLE = "judgments"


def read_versions(store: Path) -> dict[str, Any]:
    """Dataset → its ``versions.json`` (every dataset in the local store)."""
    return {path.parent.name: orjson.loads(path.read_bytes()) for path in sorted(store.glob("*/versions.json"))}


def _report(name: str, ok: bool, detail: str) -> tuple[str, bool]:
    print(f"[bench] check {'PASS' if ok else 'FAIL'}: {name} ({detail})", flush=True)
    return name, ok


def _minor_after(previous: str, version: str) -> bool:
    major, minor, _ = (int(part) for part in previous.split("."))
    return version == f"{major}.{minor + 1}.0"


def check_incremental(
    store: Path, before: dict[str, Any], after: dict[str, Any], new_ids: set[str], changed_ids: set[str]
) -> dict[str, bool]:
    """cjo-judgments got a MINOR version whose judgments delta holds exactly the new and changed documents."""
    old, now = before[DATASET]["versions"], after[DATASET]["versions"]
    results = dict([_report("incremental published one new cjo-judgments version", len(now) == len(old) + 1,
                            f"{len(old)} → {len(now)} versions")])  # fmt: skip
    if len(now) != len(old) + 1:
        return results
    entry, previous = now[-1], old[-1]["version"]
    results |= dict([_report("the new version is MINOR", entry.get("change") == "minor" and _minor_after(previous, entry["version"]),
                             f"{previous} → {entry['version']}, change {entry.get('change')}")])  # fmt: skip
    delta = store / DATASET / entry["version"] / "data" / "deltas" / f"{TABLE}.parquet"
    if not delta.is_file():
        results |= dict([_report("the judgments delta exists", False, str(delta))])
        return results
    rows = duckdb.sql(f"select change, doc_id from read_parquet('{delta}')").fetchall()
    by_change: dict[str, set[str]] = {}
    for change, doc_id in rows:
        by_change.setdefault(change, set()).add(doc_id)
    added, changed = by_change.pop("added", set()), by_change.pop("changed", set())
    others = {change: len(ids) for change, ids in by_change.items()}
    results |= dict([
        _report("delta added == the new documents", added == new_ids, f"{len(added)} added, {len(new_ids)} new"),
        _report("delta changed == the changed documents", changed == changed_ids,
                f"{len(changed)} changed, {len(changed_ids)} edited"),
        _report("delta holds nothing else", not others, f"other changes: {others or 'none'}"),
    ])  # fmt: skip
    return results


def check_noop(before: dict[str, Any], after: dict[str, Any]) -> dict[str, bool]:
    """The no-op run left every dataset's versions.json as it was."""
    moved = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    return dict([_report("no-op published nothing", not moved, f"versions.json changed: {', '.join(moved) or 'none'}")])


def check_ingest(work: Path, observations: bool) -> dict[str, bool]:
    """The full run read a clean landing zone: nothing of it quarantined (else the run measured the wrong work)."""
    reports = sorted(work.glob("runs/*/report.json"))
    if not reports:
        return dict([_report("the full run wrote its report", False, str(work / "runs"))])
    tables = orjson.loads(reports[-1].read_bytes())["ingest"]["tables"]
    results: dict[str, bool] = {}
    for table in ("judgments", "observations") if observations else ("judgments",):
        counts = tables.get(table, {})
        clean = counts.get("accepted", 0) > 0 and counts.get("quarantined", 0) == 0
        results |= dict([_report(f"full run accepted every {table} record", clean,
                                 f"{counts.get('accepted', 0):,} accepted, {counts.get('quarantined', 0):,} quarantined "
                                 f"{counts.get('reasons') or ''}")])  # fmt: skip
    return results
