"""Frictionless Table Schemas from a (small, hand-written) dbt manifest."""

from __future__ import annotations

from typing import Any

import frictionless
import pytest

from flows.errors import ConfigurationError
from flows.tableschema import frictionless_type, model_description, table_schema


def _column(name: str, data_type: str | None, description: str = "", primary_key: bool = False) -> dict[str, Any]:
    constraints = [{"type": "primary_key", "columns": []}] if primary_key else []
    return {"name": name, "data_type": data_type, "description": description, "constraints": constraints}


def _model(name: str, columns: list[dict[str, Any]], description: str = "") -> dict[str, Any]:
    return {
        "unique_id": f"model.wenshu.{name}",
        "resource_type": "model",
        "name": name,
        "description": description,
        "constraints": [],
        "columns": {column["name"]: column for column in columns},
    }


def _test(model: str, column: str, name: str, config: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    attached = f"model.wenshu.{model}"
    depends = [attached] + ([f"model.wenshu.{kwargs.pop('to_model')}"] if "to_model" in kwargs else [])
    return {
        "unique_id": f"test.wenshu.{name}_{model}_{column}",
        "resource_type": "test",
        "attached_node": attached,
        "column_name": column,
        "config": {"severity": "ERROR", "where": None, **(config or {})},
        "test_metadata": {"name": name, "kwargs": {"column_name": column, **kwargs}},
        "depends_on": {"nodes": depends},
    }


@pytest.fixture()
def manifest() -> dict[str, Any]:
    courts = _model(
        "courts",
        [
            _column("court_id", "varchar", "Court key.", primary_key=True),
            _column("court_level", "varchar", "Court\n  level."),
            _column("parent_court_id", "varchar"),
        ],
        description="One row per court.\n",
    )
    cases = _model(
        "cases",
        [
            _column("doc_id", "varchar", "Document id.", primary_key=True),
            _column("court_id", "varchar", "Court."),
            _column("year", "integer"),
            _column("amount", "decimal(18,3)"),
            _column("seen_at", "timestamp with time zone"),
            _column("decided", "date"),
            _column("flags", "varchar[]"),
            _column("note", "varchar"),
        ],
    )
    tests = [
        _test("courts", "court_id", "unique"),
        _test("courts", "court_level", "not_null"),
        _test("courts", "court_level", "accepted_values", values=["高级", "基层"]),
        _test("courts", "parent_court_id", "relationships", field="court_id"),
        _test("cases", "court_id", "relationships", field="court_id", to_model="courts"),
        _test("cases", "year", "not_null", config={"where": "year > 2000"}),
        _test("cases", "note", "not_null", config={"severity": "warn"}),
    ]
    nodes = {node["unique_id"]: node for node in [courts, cases, *tests]}
    return {"metadata": {}, "nodes": nodes}


def test_fields_types_descriptions_and_constraints(manifest: dict[str, Any]) -> None:
    schema = table_schema(manifest, "courts")

    assert schema["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"
    assert schema["primaryKey"] == ["court_id"]
    assert schema["fields"] == [
        {"name": "court_id", "type": "string", "description": "Court key.", "constraints": {"required": True, "unique": True}},
        {
            "name": "court_level",
            "type": "string",
            "description": "Court level.",
            "constraints": {"required": True, "enum": ["高级", "基层"]},
        },
        {"name": "parent_court_id", "type": "string"},
    ]
    # a self-reference needs no other resource
    assert schema["foreignKeys"] == [{"fields": ["parent_court_id"], "reference": {"fields": ["court_id"]}}]
    assert model_description(manifest, "courts") == "One row per court."


def test_types_and_filtered_tests(manifest: dict[str, Any]) -> None:
    schema = table_schema(manifest, "cases")
    fields = {field["name"]: field for field in schema["fields"]}

    assert {name: field["type"] for name, field in fields.items()} == {
        "doc_id": "string", "court_id": "string", "year": "integer", "amount": "number",
        "seen_at": "datetime", "decided": "date", "flags": "array", "note": "string",
    }  # fmt: skip
    assert "constraints" not in fields["year"]  # not_null with a where filter does not hold for all rows
    assert "constraints" not in fields["note"]  # nor does a warn-only test
    assert "foreignKeys" not in schema  # courts is not in the package


def test_foreign_keys_to_resources_in_the_package(manifest: dict[str, Any]) -> None:
    schema = table_schema(manifest, "cases", resources=["cases", "courts"])
    renamed = table_schema(manifest, "cases", resources={"cases": "cases", "courts": "court_list"})

    assert schema["foreignKeys"] == [{"fields": ["court_id"], "reference": {"resource": "courts", "fields": ["court_id"]}}]
    assert renamed["foreignKeys"] == [{"fields": ["court_id"], "reference": {"resource": "court_list", "fields": ["court_id"]}}]


def test_frictionless_accepts_the_schema_and_enforces_it(manifest: dict[str, Any]) -> None:
    descriptor = table_schema(manifest, "courts")
    assert frictionless.Schema.validate_descriptor(descriptor).valid

    rows = [["court_id", "court_level", "parent_court_id"], ["c1", "高级", ""], ["c2", "基层", "c1"], ["c3", "火星", "c9"]]
    resource = frictionless.Resource(data=rows, schema=frictionless.Schema.from_descriptor(descriptor))
    report = resource.validate()
    assert sorted(row[0] for row in report.flatten(["type"])) == ["constraint-error", "foreign-key"]


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        ("VARCHAR", "string"),
        ("bigint", "integer"),
        ("HUGEINT", "integer"),
        ("double", "number"),
        ("DECIMAL(18, 3)", "number"),
        ("boolean", "boolean"),
        ("timestamptz", "datetime"),
        ("TIMESTAMP  WITH TIME ZONE", "datetime"),
        ("timestamp", "datetime"),
        ("json", "object"),
        ("STRUCT(a INTEGER)", "object"),
        ("varchar[]", "array"),
        ("INTEGER[3]", "array"),
    ],
)
def test_frictionless_type(data_type: str, expected: str) -> None:
    assert frictionless_type(data_type) == expected


def test_unknown_type_missing_type_and_unknown_model_are_errors(manifest: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="geometry"):
        frictionless_type("geometry")
    manifest["nodes"]["model.wenshu.courts"]["columns"]["court_level"]["data_type"] = None
    with pytest.raises(ConfigurationError, match=r"courts\.court_level has no data_type"):
        table_schema(manifest, "courts")
    with pytest.raises(ConfigurationError, match="nowhere"):
        table_schema(manifest, "nowhere")
