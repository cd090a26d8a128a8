"""Version numbers computed from what changed (the Frictionless versioning recipe).

MAJOR when a table's schema changed incompatibly (a field removed, renamed or retyped, or a
table dropped), MINOR when data or compatible fields were added, PATCH for corrections only,
and nothing at all when every table's content hash equals the latest published version's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIRST_VERSION = "1.0.0"


@dataclass(frozen=True)
class TableState:
    """What the versioning rules look at for one table."""

    rows: int
    content_hash: str
    fields: dict[str, str]  # field name → type
    keys: int | None = None  # distinct primary keys, if known


def parse(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


def change_kind(
    previous: dict[str, TableState] | None, current: dict[str, TableState], added_rows: Mapping[str, int] | None = None
) -> str | None:
    """``major``, ``minor``, ``patch`` or None (no change) from the previous to the current tables.

    ``added_rows`` (table → rows whose primary key is new, from the deltas) decides MINOR vs
    PATCH when known: a version that adds one row and removes two still added data. Without it,
    a table that grew counts as data added.
    """
    if previous is None:
        return "initial"
    hashes = {name: state.content_hash for name, state in current.items()}
    if hashes == {name: state.content_hash for name, state in previous.items()}:
        return None
    for name, old in previous.items():
        new = current.get(name)
        if new is None or any(new.fields.get(field) != kind for field, kind in old.fields.items()):
            return "major"  # a table or field removed, renamed or retyped
    for name, new in current.items():
        old_state = previous.get(name)
        if old_state is None or set(new.fields) - set(old_state.fields):
            return "minor"
        added = (added_rows or {}).get(name)
        if (new.rows > old_state.rows) if added is None else added > 0:
            return "minor"
    return "patch"


def bump(version: str, kind: str) -> str:
    major, minor, patch = parse(version)
    if kind == "major":
        return f"{major + 1}.0.0"
    if kind == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def next_free(version: str, kind: str, taken: set[str]) -> str:
    """``bump(version, kind)``, skipping numbers already claimed (e.g. by an abandoned publish)."""
    candidate = FIRST_VERSION if kind == "initial" else bump(version, kind)
    while candidate in taken:
        candidate = bump(candidate, "patch" if kind in ("patch", "initial") else kind)
    return candidate


def states_of(entry: dict[str, Any]) -> dict[str, TableState]:
    """The table states recorded in a ``versions.json`` entry."""
    return {
        name: TableState(rows=table["rows"], content_hash=table["content_hash"], fields=table["fields"])
        for name, table in entry["tables"].items()
    }
