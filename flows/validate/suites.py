"""Suite files: one Great Expectations ExpectationSuite per file in ``expectations/``.

A file is GX's own suite JSON (or YAML) — ``name``, ``expectations: [{type, kwargs, severity,
description, meta}]``, ``meta`` — so ``gx.ExpectationSuite(**content)`` accepts it as is. Our conventions on
top: ``meta.table`` names the table or view the suite runs on, and every expectation states its
GX ``severity`` explicitly: ``critical`` failures fail the gate, ``warning`` and ``info`` are
only reported. Queries of ``unexpected_rows_expectation`` use ``{batch}`` for the table and must
double literal braces (``{{64}}``): GX fills them in with ``str.format``.

Files are checked here without importing GX (about 2 s); :meth:`SuiteFile.to_gx`
builds the GX object.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flows.errors import ConfigurationError
from flows.resources import EXPECTATIONS_DIR

SEVERITIES = ("critical", "warning", "info")
SUITE_SUFFIXES = (".json", ".yml", ".yaml")
UNEXPECTED_ROWS = "unexpected_rows_expectation"
EXPECTATION_KEYS = {"type", "kwargs", "severity", "description", "meta", "notes", "id"}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class SuiteFile:
    """A suite as written in its file, checked; ``expectations`` keep the file's order."""

    name: str
    table: str
    path: Path
    expectations: tuple[dict[str, Any], ...]
    meta: dict[str, Any]

    def severity(self, index: int) -> str:
        return str(self.expectations[index]["severity"])

    def expectation_id(self, index: int) -> str:
        """The expectation's ``id`` from the file, else a stable one derived from suite and position."""
        given = self.expectations[index].get("id")
        return str(given) if given else str(uuid.uuid5(uuid.NAMESPACE_URL, f"wenshu:{self.name}:{index}"))

    def to_gx(self, indexes: Iterable[int] | None = None) -> Any:
        """This suite (or the expectations at ``indexes``) as a ``gx.ExpectationSuite``.

        Each expectation is built on its own first: ``gx.ExpectationSuite`` only logs an
        unknown expectation type and drops it, which would silently remove a check. An
        ``unexpected_rows_expectation`` is built as its one-scan twin (``flows.validate.gx_rows``).
        """
        from flows.validate.gx_import import import_great_expectations

        gx = import_great_expectations()
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        from flows.validate.gx_rows import EXPECTATION_TYPE as ROWS_SCANNED_ONCE

        chosen = list(range(len(self.expectations)) if indexes is None else indexes)
        configurations = [
            {**self.expectations[i], "id": self.expectation_id(i)}
            | ({"type": ROWS_SCANNED_ONCE} if self.expectations[i]["type"] == UNEXPECTED_ROWS else {})
            for i in chosen
        ]
        for index, configuration in zip(chosen, configurations, strict=True):
            try:
                ExpectationConfiguration(**configuration).to_domain_obj()
            except Exception as error:  # GX raises pydantic errors and its own
                raise ConfigurationError(
                    f"suite {self.path} is not a valid GX suite: expectation #{index} ({self.expectations[index]['type']}): {error}"
                ) from error
        suite = gx.ExpectationSuite(name=self.name, expectations=configurations, meta=dict(self.meta))
        if len(suite.expectations) != len(configurations):
            raise ConfigurationError(f"suite {self.path}: GX dropped expectations while building it")
        return suite


def available_suites(directory: Path = EXPECTATIONS_DIR) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(path.stem for path in directory.iterdir() if path.suffix in SUITE_SUFFIXES)


def suite_path(suite: str | Path, directory: Path = EXPECTATIONS_DIR) -> Path:
    """A suite name (``judgments``) is looked up in ``directory``; a path is taken as it is."""
    if isinstance(suite, Path) or Path(suite).suffix in SUITE_SUFFIXES:
        path = Path(suite)
        if not path.is_file():
            raise ConfigurationError(f"suite file {path} does not exist")
        return path
    if not NAME_PATTERN.match(suite):
        raise ConfigurationError(f"suite name {suite!r} is not valid: use lowercase letters, digits and '_'")
    for suffix in SUITE_SUFFIXES:
        path = directory / f"{suite}{suffix}"
        if path.is_file():
            return path
    known = ", ".join(available_suites(directory)) or "none"
    raise ConfigurationError(f"no suite named {suite!r} in {directory} (suites there: {known})")


def load_suite(suite: str | Path, directory: Path = EXPECTATIONS_DIR) -> SuiteFile:
    """Read and check one suite file; raises ConfigurationError naming the file and the problem."""
    path = suite_path(suite, directory)
    try:
        text = path.read_text(encoding="utf-8")
        content = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ConfigurationError(f"suite file {path} cannot be read: {error}") from error
    if not isinstance(content, dict):
        raise ConfigurationError(f"suite file {path} must hold one object with name, expectations and meta")
    name = content.get("name")
    if name != path.stem:
        raise ConfigurationError(f"suite file {path} must be named after its suite: name is {name!r}")
    meta = content.get("meta") or {}
    table = meta.get("table") if isinstance(meta, dict) else None
    if not isinstance(table, str) or not NAME_PATTERN.match(table):
        raise ConfigurationError(f"suite {name}: meta.table must name the table it runs on (got {table!r})")
    expectations = content.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise ConfigurationError(f"suite {name}: expectations must be a non-empty list")
    for index, expectation in enumerate(expectations):
        _check_expectation(name, index, expectation)
    return SuiteFile(name=name, table=table, path=path, expectations=tuple(expectations), meta=meta)


def _check_expectation(suite: str, index: int, expectation: Any) -> None:
    where = f"suite {suite}, expectation #{index}"
    if not isinstance(expectation, dict) or not isinstance(expectation.get("type"), str):
        raise ConfigurationError(f"{where}: must be an object with a 'type'")
    where += f" ({expectation['type']})"
    unknown = sorted(set(expectation) - EXPECTATION_KEYS)
    if unknown:
        raise ConfigurationError(f"{where}: unknown keys {unknown} (allowed: {sorted(EXPECTATION_KEYS)})")
    if not isinstance(expectation.get("kwargs"), dict):
        raise ConfigurationError(f"{where}: 'kwargs' must be an object")
    if expectation.get("severity") not in SEVERITIES:
        raise ConfigurationError(
            f"{where}: 'severity' must be one of {', '.join(SEVERITIES)} "
            f"(got {expectation.get('severity')!r}); state it on every expectation"
        )
    query = expectation["kwargs"].get("unexpected_rows_query")
    if expectation["type"] == UNEXPECTED_ROWS and (not isinstance(query, str) or "{batch}" not in query):
        raise ConfigurationError(f"{where}: unexpected_rows_query must select from {{batch}}")
