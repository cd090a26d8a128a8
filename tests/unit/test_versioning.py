"""Version numbers computed from what changed (Frictionless recipe), never hand-set."""

from __future__ import annotations

from flows.publish.versioning import TableState, bump, change_kind, next_free


def state(rows: int, content: str, **fields: str) -> TableState:
    return TableState(rows=rows, content_hash=f"sha256:{content}", fields=fields or {"doc_id": "string"})


def test_first_version_and_no_change():
    assert change_kind(None, {"t": state(1, "a")}) == "initial"
    assert change_kind({"t": state(1, "a")}, {"t": state(1, "a")}) is None
    assert change_kind({"t": state(1, "a")}, {"t": state(1, "a")}, {"t": 5}) is None  # same hashes win


def test_major_when_a_field_or_table_goes_or_changes_type():
    old = {"t": state(1, "a", doc_id="string", n="integer"), "u": state(1, "u")}
    assert change_kind(old, {"t": state(1, "b", doc_id="string"), "u": state(1, "u")}) == "major"
    assert change_kind(old, {"t": state(1, "b", doc_id="string", n="number"), "u": state(1, "u")}) == "major"
    assert change_kind(old, {"t": state(1, "a", doc_id="string", n="integer")}) == "major"


def test_minor_for_added_data_or_fields_patch_for_corrections():
    old = {"t": state(10, "a")}
    assert change_kind(old, {"t": state(11, "b")}) == "minor"  # grew, no delta known
    assert change_kind(old, {"t": state(10, "b")}) == "patch"
    assert change_kind(old, {"t": state(10, "b", doc_id="string", extra="date")}) == "minor"
    assert change_kind(old, {"t": state(10, "a"), "new": state(1, "n")}) == "minor"
    # with deltas: one key added and two removed is still data added; more rows by no new key is a correction
    assert change_kind(old, {"t": state(9, "b")}, {"t": 1}) == "minor"
    assert change_kind(old, {"t": state(12, "b")}, {"t": 0}) == "patch"


def test_bump_and_skip_taken_numbers():
    assert [bump("1.2.3", k) for k in ("major", "minor", "patch")] == ["2.0.0", "1.3.0", "1.2.4"]
    assert next_free("0.0.0", "initial", set()) == "1.0.0"
    assert next_free("1.0.0", "minor", {"1.1.0"}) == "1.2.0"
    assert next_free("1.0.0", "patch", {"1.0.1", "1.0.2"}) == "1.0.3"
