"""The run report: what came in, what was kept, what the gates said, what was published.

Saved as JSON in the private work area (``runs/<run_id>/report.json``) and rendered as a
Markdown artifact in Prefect. It never holds credentials, record contents or quarantined text.
"""

from __future__ import annotations

from typing import Any

import orjson

from flows import layout
from flows.pipeline.context import RunContext


def ingest_summary(files: list[dict[str, Any]]) -> dict[str, Any]:
    from flows.ingest import FileReport, IngestReport

    return IngestReport([FileReport(**f) for f in files]).to_dict()


def save(context: RunContext, report: dict[str, Any]) -> str:
    key = layout.run_report(context.run_id)
    context.work.put(key, orjson.dumps(report, option=orjson.OPT_INDENT_2, default=str))
    return key


def to_markdown(report: dict[str, Any]) -> str:
    lines = [f"# Run {report['run_id']}: {report['status']}", ""]
    if error := report.get("error"):
        lines += [f"**Stopped:** {error}", ""]
    ingest = report.get("ingest")
    if ingest:
        lines += ["## Ingest", "", "| table | files | unchanged | unreadable | read | accepted | quarantined | flagged | reconciles |",
                  "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for table, t in ingest["tables"].items():
            ok = "yes" if t["read"] == t["accepted"] + t["quarantined"] else "**NO**"
            lines.append(
                f"| {table} | {t['files']} | {t['files_unchanged']} | {t['files_unreadable']} | {t['read']} | {t['accepted']} | {t['quarantined']} | {t['flagged']} | {ok} |"
            )
        reasons = {r: n for t in ingest["tables"].values() for r, n in t["reasons"].items()}
        if reasons:
            lines += ["", "Quarantine reasons: " + ", ".join(f"`{r}` {n}" for r, n in reasons.items())]
        lines.append("")
    for gate in ("validate_raw", "validate_marts"):
        if result := report.get(gate):
            lines += [f"## {gate.replace('_', ' ').capitalize()}: {'passed' if result.get('passed') else 'FAILED'}", ""]
            for suite in result.get("suites", []):
                failed = [e for e in suite.get("expectations", []) if not e.get("success")]
                lines.append(
                    f"- `{suite.get('suite')}`: {len(suite.get('expectations', [])) - len(failed)}/{len(suite.get('expectations', []))} passed"
                )
                lines += [f"  - failed `{e.get('type')}` on `{e.get('column') or '-'}` ({e.get('severity')})" for e in failed]
            lines.append("")
    if build := report.get("transform"):
        lines += [
            "## dbt build",
            "",
            f"{build['seconds']} s; rows: " + ", ".join(f"{k} {v}" for k, v in build["rows"].items()),
            "",
        ]
    for published in report.get("publish", []):
        state = (
            f"published **{published['version']}** ({published['change']})"
            if published["published"]
            else f"unchanged (latest {published['version']})"
        )
        lines.append(
            f"- `{published['dataset']}`: {state}; rows " + ", ".join(f"{k} {v}" for k, v in published["tables"].items())
        )
    return "\n".join(lines) + "\n"
