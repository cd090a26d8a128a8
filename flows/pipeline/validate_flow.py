"""Flow: run the Great Expectations suites on the raw layer or on the marts, as a gate."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.pipeline import tasks
from flows.pipeline.context import RunContext


@flow(name="validate", log_prints=True)
def validate_flow(layer: str = "marts", work_url: str | None = None, run_id: str | None = None) -> dict[str, Any]:
    """``layer`` is ``raw`` (landing gate, every partition) or ``marts`` (before publishing). Raises ValidationFailed."""
    context = RunContext.create(work=work_url, run_id=run_id)
    return tasks.validate_raw(context, everything=True) if layer == "raw" else tasks.validate_marts(context)
