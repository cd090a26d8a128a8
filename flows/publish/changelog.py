"""``CHANGELOG.md`` of one version: what changed since its predecessor, in words and numbers.

Rendered only from the version's ``versions.json`` entry and its deltas, so a resumed publish
renders the same bytes.
"""

from __future__ import annotations

from typing import Any

from flows.publish.deltas import Delta

_KIND = {
    "initial": "first version",
    "major": "MAJOR — a table's schema changed incompatibly",
    "minor": "MINOR — data or compatible fields added",
    "patch": "PATCH — corrections only",
}


def schema_changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """Sentences for tables and fields added, removed or retyped between two entries' ``tables``."""
    if previous is None:
        return []
    lines = []
    for table in sorted(set(previous) | set(current)):
        old, new = previous.get(table), current.get(table)
        if old is None:
            lines.append(f"table `{table}` added")
            continue
        if new is None:
            lines.append(f"table `{table}` removed")
            continue
        old_fields, new_fields = old["fields"], new["fields"]
        lines += [f"`{table}.{f}` added ({new_fields[f]})" for f in new_fields if f not in old_fields]
        lines += [f"`{table}.{f}` removed" for f in old_fields if f not in new_fields]
        lines += [
            f"`{table}.{f}` changed type from {old_fields[f]} to {new_fields[f]}"
            for f in new_fields
            if f in old_fields and old_fields[f] != new_fields[f]
        ]
    return lines


def render_changelog(title: str, entry: dict[str, Any], previous: dict[str, Any] | None, deltas: dict[str, Delta | None]) -> str:
    """The Markdown changelog of ``entry`` against ``previous`` (both ``versions.json`` entries)."""
    version, kind = entry["version"], entry["change"]
    lines = [f"# {title} — version {version}", "", f"Released {entry['created']}: {_KIND.get(kind, kind)}."]
    if previous is None:
        lines += ["", "First published version: every row is new.", "", "| table | rows |", "|---|---:|"]
        lines += [f"| {table} | {rows:,} |" for table, rows in sorted(entry["rows"].items())]
        return "\n".join(lines) + "\n"
    lines += ["", f"Compared with version {previous['version']} (released {previous['created']}).", ""]
    lines += ["| table | rows before | rows now | added | changed | removed |", "|---|---:|---:|---:|---:|---:|"]
    for table in sorted(set(entry["rows"]) | set(previous["rows"])):
        before, now = previous["rows"].get(table), entry["rows"].get(table)
        delta = deltas.get(table)
        if delta:
            counts = [f"{n:,}" for n in (delta.counts["added"], delta.changed, delta.counts["removed"])]
        elif _same_content(previous, entry, table):
            counts = ["0", "0", "0"]
        else:
            counts = ["—"] * 3
        lines.append(f"| {table} | {_count(before)} | {_count(now)} | {' | '.join(counts)} |")
    schema = schema_changes(previous.get("tables"), entry["tables"])
    if schema:
        lines += ["", "## Schema changes", "", *(f"- {line}" for line in schema)]
    if any(deltas.values()):
        lines += ["", "## Row-level deltas", ""]
        lines += [
            f"- `data/deltas/{table}.parquet`: one row per {', '.join(delta.keys)} added, changed (with `changed_columns`) or removed"
            for table, delta in sorted(deltas.items())
            if delta
        ]
    upstream = [
        f"- `{table}`: {delta.counts['removed upstream']:,} removed upstream, {delta.counts['reappeared upstream']:,} reappeared upstream"
        for table, delta in sorted(deltas.items())
        if delta and delta.upstream_flag
    ]
    if upstream:
        lines += [
            "",
            "## Upstream",
            "",
            "Rows the source stopped or resumed serving (counted as changed above; they stay here):",
            *upstream,
        ]
    skipped = sorted(table for table, delta in deltas.items() if delta is None)  # changed, but not by key
    if skipped:
        lines += ["", f"No row-level delta for {', '.join(skipped)}: the primary key is not the same in both versions."]
    return "\n".join(lines) + "\n"


def _same_content(previous: dict[str, Any], entry: dict[str, Any], table: str) -> bool:
    old, new = previous.get("tables", {}).get(table), entry["tables"].get(table)
    return bool(old and new and old["content_hash"] == new["content_hash"])


def _count(rows: int | None) -> str:
    return "—" if rows is None else f"{rows:,}"
