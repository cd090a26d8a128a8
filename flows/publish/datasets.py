"""Dataset definitions: ``datapackages/<dataset>/datapackage.yaml``, one file per dataset.

It holds what only people can say (title, description, licenses, sources, contributors,
keywords, citation) and which dbt models become which resources in which formats. Table
schemas are not here: they are generated from the dbt models (:mod:`flows.tableschema`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, Field, field_validator

from flows.errors import ConfigurationError
from flows.layout import safe_name
from flows.resources import DATAPACKAGES_DIR


class ResourceSpec(BaseModel):
    name: str
    model: str
    formats: list[Literal["csv", "parquet"]] = Field(min_length=1)
    suite: str | None = None
    # A boolean column that is true while the source no longer serves the row: the delta labels
    # a row whose flag turned true "removed upstream" (and false again "reappeared upstream").
    upstream_flag: str | None = None
    # A long column → the column of the same table holding its hash (text: text_sha256): deltas
    # compare the hash, so the long values are never read. Same hash must mean same value.
    content_hashes: dict[str, str] = {}
    # Text columns the resource's dbt model already redacts (the ``redacted`` macro, the export's
    # own SQL): exported as stored, not redacted a second time. The privacy gate still scans them.
    redacted_by_model: list[str] = []

    @field_validator("name", "model")
    @classmethod
    def _safe(cls, value: str) -> str:
        return safe_name(value, "resource")


class DatasetSpec(BaseModel):
    name: str
    title: str
    description: str
    homepage: str | None = None
    keywords: list[str] = []
    licenses: list[dict[str, Any]] = Field(min_length=1)
    sources: list[dict[str, Any]] = []
    contributors: list[dict[str, Any]] = []
    citation: str
    resources: list[ResourceSpec] = Field(min_length=1)
    charts: list[str] = []  # names from flows.charts.render.CHARTS, rendered at publish time

    @field_validator("name")
    @classmethod
    def _safe(cls, value: str) -> str:
        return safe_name(value, "dataset")

    @field_validator("charts")
    @classmethod
    def _safe_charts(cls, value: list[str]) -> list[str]:
        return [safe_name(chart, "chart") for chart in value]


def dataset_names(root: Path = DATAPACKAGES_DIR) -> list[str]:
    return sorted(path.parent.name for path in root.glob("*/datapackage.yaml"))


@cache
def load_dataset(name: str, root: Path = DATAPACKAGES_DIR) -> DatasetSpec:
    path = root / safe_name(name, "dataset") / "datapackage.yaml"
    if not path.is_file():
        known = ", ".join(dataset_names(root)) or "none"
        raise ConfigurationError(f"unknown dataset {name!r} (no {path}); known datasets: {known}")
    spec = DatasetSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    if spec.name != name:
        raise ConfigurationError(f"{path} names the dataset {spec.name!r}, expected {name!r}")
    return spec


def export_rows(warehouse: Path, names: list[str]) -> dict[str, float]:
    """Rows each dataset writes when it publishes (each model's rows once per format), from the
    warehouse's table statistics; {} without a readable warehouse. What the publish step starts first by."""
    if not warehouse.is_file():
        return {}
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            query = "select table_name, estimated_size from duckdb_tables() where schema_name = 'main'"
            rows = dict(con.execute(query).fetchall())
    except duckdb.Error:  # only an order: publishing does not depend on it
        return {}
    return {name: float(sum(rows.get(r.model, 0) * len(r.formats) for r in load_dataset(name).resources)) for name in names}
