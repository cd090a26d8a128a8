"""Frictionless v2 Table Schemas generated from the dbt manifest: the one source of published schemas.

Each mart's yml (contract ``data_type``, description, constraints, tests) is the single
definition of its columns; this module translates it:

* ``data_type`` → field ``type`` (an unmapped type is an error, never a guess);
* ``not_null`` tests and primary-key columns → ``constraints.required``;
* ``unique`` tests → ``constraints.unique``; ``accepted_values`` tests → ``constraints.enum``;
* the primary-key constraint → ``primaryKey``;
* ``relationships`` tests → ``foreignKeys`` (to the same table always, to other tables only when
  they are among the package's ``resources``: ``{model: resource name}`` or model names).

Tests with a ``where`` filter or ``warn`` severity do not hold for every row, so they are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from flows.errors import ConfigurationError

TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"

_TYPES = {
    "string": ("varchar", "text", "string", "char", "bpchar", "uuid"),
    "integer": (
        "tinyint", "smallint", "integer", "int", "int1", "int2", "int4", "int8", "bigint", "hugeint",
        "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint",
    ),
    "number": ("double", "float", "float4", "float8", "real", "decimal", "numeric"),
    "boolean": ("boolean", "bool", "logical"),
    "date": ("date",),
    "time": ("time",),
    "datetime": (
        "timestamp", "timestamptz", "timestamp with time zone", "datetime",
        "timestamp_s", "timestamp_ms", "timestamp_ns",
    ),
    "duration": ("interval",),
    "object": ("json", "struct", "map"),
    "array": ("list", "array"),
}  # fmt: skip
_TYPE_BY_DATA_TYPE = {data_type: kind for kind, names in _TYPES.items() for data_type in names}


def frictionless_type(data_type: str) -> str:
    """The Frictionless field type of a DuckDB/dbt data type, e.g. ``decimal(18,3)`` → ``number``."""
    name = re.sub(r"\s+", " ", data_type.strip().lower())
    if name.endswith("]"):
        return "array"
    name = re.sub(r"\s*\(.*\)$", "", name)
    kind = _TYPE_BY_DATA_TYPE.get(name)
    if kind is None:
        raise ConfigurationError(f"no Frictionless type for data_type {data_type!r}: add it to flows.tableschema")
    return kind


def model_node(manifest: dict[str, Any], model: str) -> dict[str, Any]:
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == model]
    if len(nodes) != 1:
        raise ConfigurationError(f"expected one dbt model named {model!r} in the manifest, found {len(nodes)}")
    return nodes[0]


def model_description(manifest: dict[str, Any], model: str) -> str:
    return " ".join(model_node(manifest, model)["description"].split())


NUMERIC_TYPES = ("integer", "number")
NUMERIC_MISSING_VALUES = ["", "nan"]


def table_schema(manifest: dict[str, Any], model: str, resources: Mapping[str, str] | Collection[str] = ()) -> dict[str, Any]:
    """The Frictionless v2 Table Schema of a dbt model; ``resources``: the package's tables, by model."""
    node = model_node(manifest, model)
    primary_key = _primary_key(node)
    tests = _column_tests(manifest, node["unique_id"])
    fields = []
    for name, column in node["columns"].items():
        if not column.get("data_type"):
            raise ConfigurationError(f"column {model}.{name} has no data_type in its yml")
        field: dict[str, Any] = {"name": name, "type": frictionless_type(column["data_type"])}
        if column.get("description"):
            field["description"] = " ".join(column["description"].split())
        constraints = _constraints(tests.get(name, []), required=name in primary_key)
        if constraints:
            field["constraints"] = constraints
        if field["type"] in NUMERIC_TYPES and not constraints.get("required"):
            # frictionless reads Parquet through pandas, where a null integer becomes NaN.
            field["missingValues"] = NUMERIC_MISSING_VALUES
        fields.append(field)
    schema: dict[str, Any] = {"$schema": TABLE_SCHEMA_PROFILE, "fields": fields}
    if primary_key:
        schema["primaryKey"] = primary_key
    resource_names = resources if isinstance(resources, Mapping) else {name: name for name in resources}
    foreign_keys = _foreign_keys(manifest, node, tests, resource_names)
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _primary_key(node: dict[str, Any]) -> list[str]:
    for constraint in node.get("constraints", []):
        if constraint["type"] == "primary_key":
            return list(constraint["columns"])
    return [
        name
        for name, column in node["columns"].items()
        if any(constraint["type"] == "primary_key" for constraint in column.get("constraints", []))
    ]


def _column_tests(manifest: dict[str, Any], unique_id: str) -> dict[str, list[dict[str, Any]]]:
    """Tests on ``unique_id``'s columns that hold for every row, by column name."""
    tests: dict[str, list[dict[str, Any]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or node.get("attached_node") != unique_id:
            continue
        config = node.get("config", {})
        if config.get("where") or str(config.get("severity", "error")).lower() != "error":
            continue
        if node.get("column_name") and node.get("test_metadata"):
            tests.setdefault(node["column_name"], []).append(node)
    return tests


def _constraints(tests: list[dict[str, Any]], required: bool) -> dict[str, Any]:
    constraints: dict[str, Any] = {}
    for test in tests:
        name, kwargs = test["test_metadata"]["name"], test["test_metadata"].get("kwargs", {})
        if name == "not_null":
            required = True
        elif name == "unique":
            constraints["unique"] = True
        elif name == "accepted_values":
            constraints["enum"] = list(kwargs["values"])
    if required:
        constraints = {"required": True, **constraints}
    return constraints


def _foreign_keys(
    manifest: dict[str, Any],
    node: dict[str, Any],
    tests: dict[str, list[dict[str, Any]]],
    resources: Mapping[str, str],
) -> list[dict[str, Any]]:
    foreign_keys = []
    for column, column_tests in tests.items():
        for test in column_tests:
            if test["test_metadata"]["name"] != "relationships":
                continue
            targets = [uid for uid in test["depends_on"]["nodes"] if uid != node["unique_id"]]
            target = manifest["nodes"][targets[0]]["name"] if targets else None
            reference: dict[str, Any] = {"fields": [test["test_metadata"]["kwargs"]["field"]]}
            if target is not None:
                if target not in resources:
                    continue
                reference = {"resource": resources[target], **reference}
            foreign_keys.append({"fields": [column], "reference": reference})
    return foreign_keys
