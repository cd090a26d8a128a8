"""The Prefect task runner that runs the partition-level tasks, chosen by ``WENSHU_TASK_RUNNER``.

Ingest (one task per landing file) and publish (one task per dataset) are the parallel steps;
dbt and the gates are single tasks that parallelise inside DuckDB. Parsing is CPU-bound Python,
so threads share one core: the default is a process pool. ``dask`` hands the same tasks to a
Dask cluster through prefect-dask (an existing one at ``WENSHU_DASK_ADDRESS``, else a local
cluster of ``WENSHU_TASK_WORKERS`` processes); every task reads and writes through the storage
URLs in its :class:`~flows.pipeline.context.RunContext`, so with S3 landing, work area and store
the workers need nothing but credentials.

The workers share the machine, so they share its DuckDB memory budget too: each one's
connections get ``WENSHU_DUCKDB_MEMORY_LIMIT`` divided by the number of workers
(``duckdb_memory_share``, set here for the workers only; the flow's own process waits meanwhile).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.collector import skip_collection_at_exit
from flows.settings import Settings, environment, get_settings

log = logging.getLogger(__name__)


def task_runner(settings: Settings | None = None) -> TaskRunner[Any]:
    settings = settings or get_settings()
    if settings.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=settings.task_workers)
    if settings.task_runner == "processes":
        env = _worker_env(settings) | ({"PREFECT_API_URL": api} if (api := _api_url()) else {})
        return ProcessPoolTaskRunner(max_workers=settings.task_workers, initializer=_set_env, initargs=(env,))
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:  # an existing cluster's workers run on machines of their own
        return DaskTaskRunner(address=settings.dask_address)
    # one thread per worker process: the tasks hold the GIL while they parse
    cluster = {"n_workers": settings.task_workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
               "env": _worker_env(settings)}  # fmt: skip
    return DaskTaskRunner(cluster_kwargs=cluster)


def _worker_env(settings: Settings) -> dict[str, str]:
    """What a worker of this runner sets in its environment: its share of the DuckDB memory budget."""
    return {"WENSHU_DUCKDB_MEMORY_SHARE": str(settings.task_workers)}


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


def _set_env(env: dict[str, str]) -> None:
    """A worker process's start: ``env`` in its environment, before it reads the settings.

    The pool's shut-down waits for each worker's exit, which is quicker with the heap frozen.
    """
    os.environ.update(env)
    get_settings.cache_clear()
    skip_collection_at_exit()


@contextmanager
def _worker_settings(settings: Settings) -> Iterator[None]:
    """Thread workers live in this process: the worker environment for the duration of the tasks."""
    with environment(_worker_env(settings)):
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()


def run_parallel(
    task: Any,
    context: Any,
    argument: str,
    values: list[Any],
    *,
    weights: Mapping[Any, float] | None = None,
    inline_single: bool = False,
) -> list[Any]:
    """``task(context=context, <argument>=value)`` for every value, on the configured runner; results in order.

    The runner is opened here (not fixed on the flow's decorator) so that a deployment, the CLI
    and tests all follow the settings of the process that runs the flow.

    With ``weights`` (a cost per value; missing ones count 0) the heaviest values start first and,
    on a local pool, each next one is submitted only as a task ends, so the step lasts about as
    long as its heaviest task. Submitting everything at once lets the process pool start them in
    another order: it resolves each submission on a thread of its own, and at a million judgments
    the small datasets went ahead of the largest one and delayed the whole publish by 1.7-3.1 s.
    An existing Dask cluster (its size is its own, not ``WENSHU_TASK_WORKERS``) gets them all at
    once, heaviest first.

    With ``inline_single``, for tasks that are short and small (one landing file), a single value
    runs on a thread of this process instead of the process pool: a worker would add no
    parallelism, only its start (Prefect's import: 1.7 s before the one landing file of an
    incremental run at a million judgments). Not for long or memory-hungry tasks (a publish):
    a thread cannot be interrupted, and what it allocated would stay with this process.
    """
    if not values:
        return []
    settings = get_settings()  # no more workers than tasks: the memory budget is split among those that run
    update: dict[str, Any] = {"task_workers": min(settings.task_workers, len(values))}
    if inline_single and settings.task_runner == "processes" and len(values) == 1:
        update["task_runner"] = "threads"
    settings = settings.model_copy(update=update)
    threads = _worker_settings(settings) if settings.task_runner == "threads" else nullcontext()
    order: list[int] = list(range(len(values)))
    window = len(values)  # all at once
    if weights is not None:
        order.sort(key=lambda i: -weights.get(values[i], 0.0))  # stable on ties
        if not (settings.task_runner == "dask" and settings.dask_address):
            window = settings.task_workers
    with task_runner(settings) as runner, threads:
        submitted: dict[int, Any] = {}
        running: list[Any] = []
        try:
            for index in order:
                if len(running) == window:
                    running.remove(next(as_completed(running)))
                submitted[index] = runner.submit(task, {"context": context, argument: values[index]})
                running.append(submitted[index])
            return [submitted[index].result() for index in range(len(values))]
        except BaseException as stop:
            if not isinstance(stop, Exception):  # Ctrl-C; SIGTERM, which Prefect raises as its TerminationSignal
                _stop_workers(runner)
            raise


def _stop_workers(runner: TaskRunner[Any]) -> None:
    """End a process pool's workers now, on Ctrl-C or SIGTERM: closing the pool would wait for
    their tasks to finish (minutes of a publish at a million judgments), and a worker that Ctrl-C
    interrupted too may never take the pool's signal to stop, leaving the command hanging at exit.
    Their work is lost as in a crash, which leaves every store readable (writes are atomic).
    Threads cannot be stopped: a thread pool (or the one landing file ingested on a thread of
    the flow's own process) finishes its tasks first."""
    executor = getattr(runner, "_executor", None)
    processes = list((getattr(executor, "_processes", None) or {}).values())
    if processes:
        log.warning("stopping the task runner's %d worker processes", len(processes))
    for process in processes:
        process.terminate()
