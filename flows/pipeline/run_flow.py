"""The parent flow: ingest → validate raw → dbt build → validate marts → publish.

A failing gate stops the run before anything is published; the run report (JSON in the work
area, Markdown as a Prefect artifact) is written either way. A rerun whose raw partitions, code
and store are exactly as the last successful run left them stops after ingest with status
``unchanged`` (see :mod:`flows.pipeline.fingerprint`): it would rebuild the same marts and
publish nothing.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from flows.errors import ValidationFailed
from flows.pipeline import report, tasks
from flows.pipeline.context import RunContext
from flows.pipeline.landing_index import ingest_files
from flows.pipeline.runners import run_parallel
from flows.publish.datasets import dataset_names, export_rows


@flow(name="wenshu-pipeline", log_prints=True)
def run_flow(
    landing_url: str | None = None, store_url: str | None = None, work_url: str | None = None, run_id: str | None = None
) -> dict[str, Any]:
    context = RunContext.create(landing=landing_url, store=store_url, work=work_url, run_id=run_id)
    result: dict[str, Any] = {"run_id": context.run_id, "status": "running", "landing": context.landing_url,
                              "store": context.store_url, "work": context.work_url}  # fmt: skip
    try:
        files = ingest_files(context)
        result["ingest"] = report.ingest_summary(files)
        result["curation"] = tasks.ingest_curation(context)
        datasets = dataset_names()
        previous = tasks.unchanged_since_last_success(context, datasets)
        if previous is not None:
            result["status"], result["unchanged_since"] = "unchanged", previous["run_id"]
            result["publish"] = [{"dataset": name, "version": version, "published": False, "change": None, "tables": {},
                                  "store_url": context.store_url} for name, version in previous["latest"].items()]  # fmt: skip
            print(f"unchanged since run {previous['run_id']}: same raw partitions, code and store; nothing to build or publish")
            return result
        result["validate_raw"] = tasks.validate_raw(context)
        result["transform"] = tasks.transform(context)
        result["validate_marts"] = tasks.validate_marts(context)
        result["publish"] = run_parallel(
            tasks.publish, context, "dataset", datasets, weights=export_rows(context.warehouse, datasets)
        )
        tasks.record_success(context, datasets)
        result["status"] = "succeeded"
    except ValidationFailed as exc:
        result["status"], result["error"] = "failed validation", str(exc)
        result.setdefault("validate_raw" if "transform" not in result else "validate_marts", exc.report)
        raise
    except Exception as exc:
        result["status"], result["error"] = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        result["report"] = report.save(context, result)
        create_markdown_artifact(
            markdown=report.to_markdown(result), key="wenshu-run-report", description=f"Run {context.run_id}"
        )
    return result
