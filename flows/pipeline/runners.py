"""The Prefect task runner that runs the partition-level tasks, chosen by ``WENSHU_TASK_RUNNER``.

Ingest (one task per landing file) and publish (one task per dataset) are the parallel steps;
dbt and the gates are single tasks that parallelise inside DuckDB. Parsing is CPU-bound Python,
so threads share one core: the default is a process pool. ``dask`` hands the same tasks to a
Dask cluster through prefect-dask (an existing one at ``WENSHU_DASK_ADDRESS``, else a local
cluster of ``WENSHU_TASK_WORKERS`` processes); every task reads and writes through the storage
URLs in its :class:`~flows.pipeline.context.RunContext`, so with S3 landing, work area and store
the workers need nothing but credentials.
"""

from __future__ import annotations

import os
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.settings import Settings, get_settings


def task_runner(settings: Settings | None = None) -> TaskRunner[Any]:
    settings = settings or get_settings()
    if settings.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=settings.task_workers)
    if settings.task_runner == "processes":
        api = _api_url()
        return ProcessPoolTaskRunner(max_workers=settings.task_workers, initializer=_use_api, initargs=(api,))
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    # one thread per worker process: the tasks hold the GIL while they parse
    cluster = {"n_workers": settings.task_workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    return DaskTaskRunner(cluster_kwargs=cluster)


def _api_url() -> str | None:
    """The Prefect API this process talks to, including the temporary server Prefect starts
    when no ``PREFECT_API_URL`` is set (worker processes would otherwise each start their own)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if url:
        return str(url)
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    return server.api_url if server.running else None


def _use_api(url: str | None) -> None:
    if url:
        os.environ["PREFECT_API_URL"] = url


def run_parallel(task: Any, context: Any, argument: str, values: list[Any]) -> list[Any]:
    """``task(context=context, <argument>=value)`` for every value, on the configured runner; results in order.

    The runner is opened here (not fixed on the flow's decorator) so that a deployment, the CLI
    and tests all follow the settings of the process that runs the flow.
    """
    if not values:
        return []
    with task_runner() as runner:
        futures = [runner.submit(task, {"context": context, argument: value}) for value in values]
        return [future.result() for future in futures]
