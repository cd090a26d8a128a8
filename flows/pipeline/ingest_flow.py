"""Flow: landing zone → raw layer + quarantine, one task per landing file (run in parallel)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.pipeline import report, tasks
from flows.pipeline.context import RunContext
from flows.pipeline.landing_index import ingest_files


@flow(name="ingest", log_prints=True)
def ingest_flow(landing_url: str | None = None, work_url: str | None = None, run_id: str | None = None) -> dict[str, Any]:
    context = RunContext.create(landing=landing_url, work=work_url, run_id=run_id)
    files = ingest_files(context)
    summary = report.ingest_summary(files)
    summary["curation"] = tasks.ingest_curation(context)
    totals = summary["totals"]
    print(
        f"ingest: {totals['files']} files, read {totals['read']} = accepted {totals['accepted']} + quarantined {totals['quarantined']}"
    )
    return summary
