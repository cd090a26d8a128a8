"""Validation gates: Great Expectations suites from ``expectations/``, run in SQL on DuckDB.

``validate_tables(source, ["raw_judgments"])`` returns a :class:`ValidationReport`;
``report.raise_for_failures()`` is the gate. Importing this package does not import GX.
"""

from flows.validate.report import ExpectationOutcome, SuiteReport, ValidationReport, render_markdown
from flows.validate.runner import validate_tables
from flows.validate.suites import SuiteFile, available_suites, load_suite

__all__ = [
    "ExpectationOutcome",
    "SuiteFile",
    "SuiteReport",
    "ValidationReport",
    "available_suites",
    "load_suite",
    "render_markdown",
    "validate_tables",
]
