"""Prefect tasks: thin wrappers over :mod:`flows.pipeline.steps`, retried only where I/O can fail.

Tasks receive the run context's URLs (plain strings), never data frames, and are not cached:
every step is already idempotent against the work area and the store.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.pipeline import landing_index, steps
from flows.pipeline.context import RunContext
from flows.pipeline.landing_index import IngestPlan

RETRY_DELAYS = [2.0, 10.0]  # seconds; only tasks doing storage I/O retry


@task(name="list-landing", retries=2, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def list_landing(context: RunContext) -> list[str]:
    return steps.list_landing(context)


@task(name="plan-ingest", retries=2, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def plan_ingest(context: RunContext, keys: list[str]) -> IngestPlan:
    return landing_index.plan_ingest(context, keys)


@task(name="record-ingested", retries=2, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def record_ingested(context: RunContext, plan: IngestPlan, reports: list[dict[str, Any]]) -> None:
    landing_index.record_ingested(context, plan, reports)


@task(name="ingest-file", task_run_name="ingest {key}", retries=2, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def ingest_file(context: RunContext, key: str) -> dict[str, Any]:
    return steps.ingest_one(context, key)


@task(name="ingest-curation", retries=2, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def ingest_curation(context: RunContext) -> dict[str, Any]:
    return steps.ingest_curation(context)


@task(name="validate-raw", cache_policy=NO_CACHE)
def validate_raw(context: RunContext, everything: bool = False) -> dict[str, Any]:
    return steps.validate_raw(context, everything)


@task(name="dbt-build", cache_policy=NO_CACHE)
def transform(context: RunContext) -> dict[str, Any]:
    return steps.transform(context)


@task(name="unchanged-since-last-success", cache_policy=NO_CACHE)
def unchanged_since_last_success(context: RunContext, datasets: list[str]) -> dict[str, Any] | None:
    from flows.pipeline.fingerprint import unchanged_since_last_success as unchanged

    return unchanged(context, datasets)


@task(name="record-success", retries=2, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE)
def record_success(context: RunContext, datasets: list[str]) -> None:
    from flows.pipeline.fingerprint import record_success as record

    record(context, datasets)


@task(name="validate-marts", cache_policy=NO_CACHE)
def validate_marts(context: RunContext) -> dict[str, Any]:
    return steps.validate_marts(context)


@task(
    name="publish-dataset", task_run_name="publish {dataset}", retries=2, retry_delay_seconds=RETRY_DELAYS, cache_policy=NO_CACHE
)
def publish(context: RunContext, dataset: str) -> dict[str, Any]:
    return steps.publish(context, dataset)
