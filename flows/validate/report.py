"""What a validation run found: per suite, per expectation; JSON-ready and as Markdown.

``ValidationReport.passed`` is False when any ``critical`` expectation failed (or could not be
evaluated); ``warning`` and ``info`` failures are reported only.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

from flows.errors import ValidationFailed

MAX_EXAMPLES = 5
MAX_EXAMPLE_CHARS = 200


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result. ``error`` is set when GX could not evaluate it (never a pass)."""

    type: str
    severity: str
    success: bool
    column: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None
    description: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "critical" and not self.success

    def label(self) -> str:
        """``type(column) "description"``: what a failure message names."""
        label = f"{self.type}({self.column})" if self.column else self.type
        return f'{label} "{self.description}"' if self.description else label

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "column": self.column,
            "severity": self.severity,
            "success": self.success,
            "observed_value": self.observed_value,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "examples": self.examples,
            "error": self.error,
            "description": self.description,
            "kwargs": self.kwargs,
        }


@dataclass(frozen=True)
class SuiteReport:
    suite: str
    table: str
    outcomes: tuple[ExpectationOutcome, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        return not any(outcome.blocking for outcome in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "table": self.table,
            "passed": self.passed,
            "evaluated": len(self.outcomes),
            "failed": {
                severity: sum(1 for o in self.outcomes if o.severity == severity and not o.success)
                for severity in ("critical", "warning", "info")
            },
            "seconds": round(self.seconds, 3),
            "expectations": [outcome.to_dict() for outcome in self.outcomes],
        }


@dataclass(frozen=True)
class ValidationReport:
    source: str
    suites: tuple[SuiteReport, ...]
    started_at: dt.datetime
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(suite.passed for suite in self.suites)

    def failures(self, severity: str | None = "critical") -> list[tuple[str, ExpectationOutcome]]:
        """(suite, outcome) for every failed expectation of ``severity`` (None: any severity)."""
        return [
            (suite.suite, outcome)
            for suite in self.suites
            for outcome in suite.outcomes
            if not outcome.success and (severity is None or outcome.severity == severity)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "source": self.source,
            "started_at": self.started_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "parameters": json_safe(self.parameters),
            "suites": [suite.to_dict() for suite in self.suites],
        }

    def raise_for_failures(self) -> None:
        """Raise ValidationFailed (carrying ``to_dict()``) if a critical expectation failed."""
        failures = self.failures("critical")
        if not failures:
            return
        lines = [_failure_line(suite, outcome) for suite, outcome in failures]
        message = (
            f"validation failed: {len(failures)} critical expectation(s) in {self.source}:\n  "
            + "\n  ".join(lines)
            + "\nFix the data upstream (or the suite in expectations/ if the expectation is wrong) and rerun."
        )
        raise ValidationFailed(message, report=self.to_dict())


def _failure_line(suite: str, outcome: ExpectationOutcome) -> str:
    if outcome.error:
        return f"{suite}: {outcome.label()} could not be evaluated: {outcome.error}"
    found = f"{outcome.unexpected_count} unexpected" if outcome.unexpected_count is not None else ""
    if outcome.observed_value is not None and outcome.unexpected_count is None:
        found = f"observed {outcome.observed_value!r}"
    examples = f", e.g. {outcome.examples}" if outcome.examples else ""
    return f"{suite}: {outcome.label()} failed: {found}{examples}"


def json_safe(value: Any) -> Any:
    """Dates as ISO strings, tuples as lists, decimals as strings, long strings cut short."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str) and len(value) > MAX_EXAMPLE_CHARS:
        return value[:MAX_EXAMPLE_CHARS] + "…"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def render_markdown(report: ValidationReport) -> str:
    """The report as Markdown (for Prefect artifacts and run reports)."""
    verdict = "passed" if report.passed else "FAILED"
    lines = [
        f"# Validation {verdict}",
        "",
        f"Source `{report.source}` · {len(report.suites)} suite(s) · {report.seconds:.2f} s · "
        f"started {report.started_at.isoformat(timespec='seconds')}",
    ]
    for suite in report.suites:
        failed = sum(1 for outcome in suite.outcomes if not outcome.success)
        lines += [
            "",
            f"## `{suite.suite}` on `{suite.table}`: {'passed' if suite.passed else 'FAILED'} "
            f"({len(suite.outcomes) - failed}/{len(suite.outcomes)} expectations met)",
            "",
            "| | Expectation | Column | Severity | Observed | Unexpected | Examples |",
            "|---|---|---|---|---|---|---|",
        ]
        for outcome in suite.outcomes:
            mark = "✅" if outcome.success else ("❌" if outcome.severity == "critical" else "⚠️")
            observed = outcome.error or ("" if outcome.unexpected_count is not None else _cell(outcome.observed_value))
            cells = [
                mark,
                outcome.description or outcome.type,
                outcome.column or "",
                outcome.severity,
                observed,
                "" if outcome.unexpected_count is None else str(outcome.unexpected_count),
                _cell(outcome.examples) if outcome.examples else "",
            ]
            lines.append("| " + " | ".join(_escape(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    return "" if value is None else str(json_safe(value))


def _escape(text: str, limit: int = 160) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
