"""Row-level deltas, the changelog and the citation file: exact, and the same bytes every time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.publish.changelog import render_changelog, schema_changes
from flows.publish.citation import citation_cff, suggested_citation
from flows.publish.datasets import load_dataset
from flows.publish.deltas import compute_delta, delta_schema


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    from flows.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def parquet(path: Path, rows: str, columns: str) -> Path:
    duckdb.sql(f"copy (select * from (values {rows}) t({columns})) to '{path}' (format parquet)")
    return path


def test_delta_lists_added_changed_and_removed_rows_by_key(tmp_path: Path):
    old = parquet(tmp_path / "old.parquet", "('a', 1, 'x', 1.5), ('b', 2, 'y', 2.5), ('c', 3, 'z', null), ('f', 6, 'q', 0.0)",
                  "doc_id, n, s, v")  # fmt: skip
    new = parquet(tmp_path / "new.parquet", "('a', 1, 'x', 1.5), ('b', 5, 'y2', 2.5), ('c', 3, 'z', 3.0), ('d', 4, 'w', null), ('f', 6, 'q', 0.0)",
                  "doc_id, n, s, v")  # fmt: skip
    delta = compute_delta("t", str(old), new, ["doc_id"], tmp_path / "out" / "t.parquet")
    assert delta is not None and delta.counts == {"added": 1, "changed": 2, "removed": 0}
    rows = duckdb.sql(f"select change, doc_id, changed_columns from '{delta.path}'").fetchall()
    # null → value counts as a change; unchanged rows ('a', 'f') are absent; key order
    assert rows == [("changed", "b", "n,s"), ("changed", "c", "v"), ("added", "d", "")]

    again = compute_delta("t", str(old), new, ["doc_id"], tmp_path / "again" / "t.parquet")
    assert again is not None and again.sha256 == delta.sha256  # deterministic bytes: a resumed publish rewrites nothing

    back = compute_delta("t", str(new), old, ["doc_id"], tmp_path / "back" / "t.parquet")
    assert back is not None and back.counts == {"added": 0, "changed": 2, "removed": 1}
    assert duckdb.sql(f"select doc_id from '{back.path}' where change = 'removed'").fetchall() == [("d",)]


def test_delta_with_a_compound_key_and_a_new_column(tmp_path: Path):
    old = parquet(tmp_path / "old.parquet", "('c1', 2020, 5), ('c1', 2021, 7), ('c2', 2020, 1)", "court, year, n")
    new = parquet(
        tmp_path / "new.parquet", "('c1', 2020, 5, 'x'), ('c1', 2021, 8, 'y'), ('c2', 2021, 1, 'z')", "court, year, n, extra"
    )
    delta = compute_delta("coverage", str(old), new, ["court", "year"], tmp_path / "d.parquet")
    assert delta is not None and delta.counts == {"added": 1, "changed": 1, "removed": 1}
    rows = duckdb.sql(f"select change, court, year, changed_columns from '{delta.path}'").fetchall()
    assert rows == [("changed", "c1", 2021, "n"), ("removed", "c2", 2020, ""), ("added", "c2", 2021, "")]
    assert compute_delta("coverage", str(old), new, ["court", "extra"], tmp_path / "e.parquet") is None  # key not in both


def test_an_upstream_flag_turning_labels_the_row_removed_or_reappeared_upstream(tmp_path: Path):
    old = parquet(tmp_path / "old.parquet", "('a', false, 'available'), ('b', true, 'removed'), ('c', false, 'available'), ('e', false, 'unchecked')",
                  "doc_id, is_removed_upstream, current_status")  # fmt: skip
    new = parquet(tmp_path / "new.parquet", "('a', true, 'removed'), ('b', false, 'available'), ('c', false, 'available'), ('d', true, 'removed'), ('e', null, 'unchecked')",
                  "doc_id, is_removed_upstream, current_status")  # fmt: skip
    delta = compute_delta("availability", str(old), new, ["doc_id"], tmp_path / "d.parquet", upstream_flag="is_removed_upstream")
    assert delta is not None and delta.upstream_flag == "is_removed_upstream"
    assert delta.counts == {"added": 1, "changed": 1, "removed": 0, "removed upstream": 1, "reappeared upstream": 1}
    assert delta.changed == 3  # the two upstream rows are changed rows: their key stayed
    rows = duckdb.sql(f"select change, doc_id, changed_columns from '{delta.path}'").fetchall()
    assert rows == [
        ("removed upstream", "a", "is_removed_upstream,current_status"),
        ("reappeared upstream", "b", "is_removed_upstream,current_status"),
        ("added", "d", ""),  # new and already gone: added (its flag says the rest)
        ("changed", "e", "is_removed_upstream"),  # false → null is no removal
    ]
    plain = compute_delta("availability", str(old), new, ["doc_id"], tmp_path / "p.parquet")
    assert plain is not None and plain.counts == {"added": 1, "changed": 3, "removed": 0}
    missing = compute_delta("availability", str(old), new, ["doc_id"], tmp_path / "m.parquet", upstream_flag="no_such")
    assert missing is not None and missing.upstream_flag is None and "removed upstream" not in missing.counts

    entry = {"version": "1.1.0", "change": "patch", "created": "2026-01-02T00:00:00Z", "rows": {"availability": 5},
             "tables": {"availability": {"content_hash": "sha256:2", "fields": {}}}}  # fmt: skip
    before = {"version": "1.0.0", "created": "2026-01-01T00:00:00Z", "rows": {"availability": 4},
              "tables": {"availability": {"content_hash": "sha256:1", "fields": {}}}}  # fmt: skip
    changelog = render_changelog("T", entry, before, {"availability": delta})
    assert "| availability | 4 | 5 | 1 | 3 | 0 |" in changelog
    assert "`availability`: 1 removed upstream, 1 reappeared upstream" in changelog
    enum = delta_schema({"fields": [{"name": "doc_id", "type": "string"}]}, ["doc_id"], upstream=True)["fields"][0]
    assert enum["constraints"]["enum"] == ["added", "changed", "removed", "removed upstream", "reappeared upstream"]


def test_delta_schema_takes_key_fields_from_the_table():
    table = {"fields": [{"name": "doc_id", "type": "string", "description": "id"}, {"name": "n", "type": "integer"}],
             "primaryKey": ["doc_id"]}  # fmt: skip
    schema = delta_schema(table, ["doc_id"])
    assert [f["name"] for f in schema["fields"]] == ["change", "doc_id", "changed_columns"]
    assert schema["fields"][0]["constraints"]["enum"] == ["added", "changed", "removed"]
    assert schema["primaryKey"] == ["doc_id"]


def entry(version: str, rows: dict[str, int], fields: dict[str, dict[str, str]], change: str, previous: str | None = None):
    return {"version": version, "change": change, "previous": previous, "created": f"2026-01-0{version[-1]}T00:00:00Z".replace("-00T", "-10T"),
            "rows": rows, "tables": {t: {"rows": r, "content_hash": f"sha256:{t}{r}", "fields": fields[t]} for t, r in rows.items()}}  # fmt: skip


def test_changelog_text(tmp_path: Path):
    fields = {"judgments": {"doc_id": "string", "n": "integer"}, "courts": {"court": "string"}}
    first = entry("1.0.0", {"judgments": 3, "courts": 2}, fields, "initial")
    assert render_changelog("Judgments", first, None, {}) == (
        "# Judgments — version 1.0.0\n\nReleased 2026-01-10T00:00:00Z: first version.\n\n"
        "First published version: every row is new.\n\n| table | rows |\n|---|---:|\n| courts | 2 |\n| judgments | 3 |\n"
    )
    old = parquet(tmp_path / "old.parquet", "('a', 1), ('b', 2), ('c', 3)", "doc_id, n")
    new = parquet(tmp_path / "new.parquet", "('a', 1), ('b', 9), ('d', 4), ('e', 5)", "doc_id, n")
    delta = compute_delta("judgments", str(old), new, ["doc_id"], tmp_path / "d.parquet")
    wider = {**fields, "judgments": {**fields["judgments"], "court": "string"}}
    second = entry("1.1.1", {"judgments": 4, "courts": 2}, wider, "minor", "1.0.0")
    text = render_changelog("Judgments", second, first, {"judgments": delta})
    assert "Released 2026-01-01T00:00:00Z: MINOR — data or compatible fields added." in text
    assert "Compared with version 1.0.0 (released 2026-01-10T00:00:00Z)." in text
    assert "| judgments | 3 | 4 | 2 | 1 | 1 |" in text
    assert "| courts | 2 | 2 | 0 | 0 | 0 |" in text  # same content hash: unchanged
    assert "## Schema changes\n\n- `judgments.court` added (string)" in text
    assert "`data/deltas/judgments.parquet`: one row per doc_id added, changed (with `changed_columns`) or removed" in text


def test_schema_changes_name_removed_and_retyped_fields():
    before = {"t": {"fields": {"a": "string", "b": "integer"}}, "gone": {"fields": {}}}
    after = {"t": {"fields": {"a": "integer", "c": "date"}}, "new": {"fields": {}}}
    assert schema_changes(before, after) == [
        "table `gone` removed", "table `new` added", "`t.c` added (date)", "`t.b` removed", "`t.a` changed type from string to integer",
    ]  # fmt: skip


def test_citation_cff_and_suggested_citation():
    spec = load_dataset("cjo-judgments")
    created = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    cff = yaml.safe_load(citation_cff(spec, "1.2.0", created))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["title"] == spec.title and cff["version"] == "1.2.0" and cff["date-released"] == "2026-03-04"
    assert cff["license"] == "CC-BY-4.0" and cff["authors"] == [{"name": "Wenshu Open Archive maintainers"}]
    assert cff["identifiers"][0]["value"] == "wenshu-open-archive/cjo-judgments/1.2.0"
    assert citation_cff(spec, "1.2.0", created) == citation_cff(spec, "1.2.0", created)
    text = suggested_citation(spec, "1.2.0", created)
    assert "version 1.2.0 (2026)" in text and "cjo-judgments@1.2.0" in text
