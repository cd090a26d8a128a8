"""Codebooks: ``datapackages/<dataset>/codebook.yaml``, the one definition of a curated dataset.

A codebook lists each variable researchers code — name, type, description, allowed values or
range, whether it is required, whether it is sensitive and how a sensitive one is redacted.
Everything else is derived from it (:mod:`flows.curation.generate`): the Frictionless schema,
the Great Expectations suite, the dbt staging and mart models with their contracts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from flows.errors import ConfigurationError
from flows.layout import safe_name
from flows.resources import DATAPACKAGES_DIR

CODEBOOK_FILE = "codebook.yaml"
VariableType = Literal["string", "integer", "number", "boolean", "date"]
DUCKDB_TYPES: dict[str, str] = {
    "string": "varchar",
    "integer": "integer",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
}


class Variable(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    type: VariableType
    description: str = Field(min_length=1)
    label: str | None = None  # the column header researchers use (e.g. 案号), also accepted in files
    required: bool = False
    unique: bool = False
    enum: list[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    unit: str | None = None
    sensitive: bool = False
    # How a sensitive value is made publishable: "names" redacts role + name, "drop" never publishes it.
    redaction: Literal["names", "drop"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Variable:
        if self.enum is not None and self.type != "string":
            raise ValueError(f"{self.name}: enum is for string variables")
        if (self.minimum is not None or self.maximum is not None) and self.type not in ("integer", "number"):
            raise ValueError(f"{self.name}: minimum/maximum are for numbers")
        if self.redaction == "names" and self.type != "string":
            raise ValueError(f"{self.name}: name redaction applies to string variables")
        return self

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    @property
    def published(self) -> bool:
        return self.redaction != "drop"


class Codebook(BaseModel):
    name: str
    title: str
    description: str
    table: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")  # the mart (and published resource) name
    grain: str  # "one row per …"
    key: str  # the variable that identifies a row
    case_number: str | None = None  # the variable holding a 案号, joined to judgments.case_number
    variables: list[Variable] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _safe(cls, value: str) -> str:
        return safe_name(value, "dataset")

    @model_validator(mode="after")
    def _references(self) -> Codebook:
        names = [variable.name for variable in self.variables]
        if len(set(names)) != len(names):
            raise ValueError("variable names must be unique")
        for role, name in (("key", self.key), ("case_number", self.case_number)):
            if name is not None and name not in names:
                raise ValueError(f"{role} {name!r} is not a variable")
        return self

    def variable(self, name: str) -> Variable:
        return next(variable for variable in self.variables if variable.name == name)

    @property
    def published_variables(self) -> list[Variable]:
        return [variable for variable in self.variables if variable.published]

    @property
    def staging_model(self) -> str:
        return f"stg_curation__{self.table}"


def codebook_datasets(root: Path = DATAPACKAGES_DIR) -> list[str]:
    return sorted(path.parent.name for path in root.glob(f"*/{CODEBOOK_FILE}"))


@cache
def load_codebook(dataset: str, root: Path = DATAPACKAGES_DIR) -> Codebook:
    path = root / safe_name(dataset, "dataset") / CODEBOOK_FILE
    if not path.is_file():
        raise ConfigurationError(f"no codebook for {dataset!r} at {path}; curated datasets: {', '.join(codebook_datasets(root))}")
    return parse_codebook(yaml.safe_load(path.read_text(encoding="utf-8")), str(path), dataset)


def parse_codebook(content: Any, where: str, dataset: str | None = None) -> Codebook:
    try:
        codebook = Codebook.model_validate(content)
    except ValueError as error:
        raise ConfigurationError(f"codebook {where} is not valid: {error}") from error
    if dataset is not None and codebook.name != dataset:
        raise ConfigurationError(f"codebook {where} names the dataset {codebook.name!r}, expected {dataset!r}")
    return codebook
