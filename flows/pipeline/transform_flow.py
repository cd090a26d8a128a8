"""Flow: build the marts with dbt (staging → intermediate → marts, with the project's tests)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.pipeline import tasks
from flows.pipeline.context import RunContext


@flow(name="transform", log_prints=True)
def transform_flow(work_url: str | None = None, run_id: str | None = None) -> dict[str, Any]:
    return tasks.transform(RunContext.create(work=work_url, run_id=run_id))
