"""Flow: publish each dataset's marts as a versioned Frictionless package in the store."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.errors import SourceError
from flows.pipeline import tasks
from flows.pipeline.context import RunContext
from flows.pipeline.fingerprint import unfinished_build
from flows.pipeline.runners import run_parallel
from flows.publish.datasets import dataset_names, export_rows


@flow(name="publish", log_prints=True)
def publish_flow(
    store_url: str | None = None, work_url: str | None = None, datasets: list[str] | None = None, run_id: str | None = None
) -> list[dict[str, Any]]:
    context = RunContext.create(store=store_url, work=work_url, run_id=run_id)
    if problem := unfinished_build(context):  # (wenshu run never gets here after a failed build)
        raise SourceError(f"{problem}: run `wenshu build` until it passes, then publish")
    names = datasets or dataset_names()
    return run_parallel(tasks.publish, context, "dataset", names, weights=export_rows(context.warehouse, names))
