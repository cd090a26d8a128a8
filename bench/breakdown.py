"""Where a pipeline run's time went, from the task runs Prefect recorded in the run's own database.

Each ``wenshu run`` of the benchmark uses ``PREFECT_HOME`` under the out folder, so its Prefect
database (SQLite) holds exactly the benchmark's flow runs. For the newest one: the process's
start-up before the flow began, each step's wall span (first start to last end of its task runs:
``ingest`` spans every file's task), time inside the flow that no task covers (task submission,
worker start-up, the parent's own work), and shut-down after the flow ended.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FLOW = "wenshu-pipeline"
_HASH_SUFFIX = re.compile(r"-[0-9a-f]{3}$")  # Prefect names task runs <task-name>-<3 hex digits>


def _time(value: str | None) -> float | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def step_of(task_run_name: str) -> str:
    """``ingest scraper/x.jsonl.gz`` → ``ingest``; ``dbt-build-e42`` → ``dbt-build``; ``publish cjo-judgments`` stays."""
    if task_run_name.startswith("ingest "):
        return "ingest"
    return _HASH_SUFFIX.sub("", task_run_name)


def _covered(intervals: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of ``intervals``."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def _newest_run(prefect_home: Path, process_end: float) -> tuple[float, float, dict[str, list[tuple[float, float]]]] | None:
    """The newest pipeline flow run's start and end, and each step's task spans (epoch seconds)."""
    database = prefect_home / "prefect.db"
    if not database.is_file():
        return None
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as con:
        flow_run = con.execute(
            "select fr.id, fr.start_time, fr.end_time from flow_run fr join flow f on f.id = fr.flow_id "
            "where f.name = ? order by fr.start_time desc limit 1",
            (FLOW,),
        ).fetchone()
        if flow_run is None or flow_run[1] is None:
            return None
        tasks = con.execute(
            "select name, start_time, end_time from task_run where flow_run_id = ? and start_time is not null", (flow_run[0],)
        ).fetchall()
    flow_start, flow_end = _time(flow_run[1]), _time(flow_run[2]) or process_end
    assert flow_start is not None
    spans: dict[str, list[tuple[float, float]]] = {}
    for name, start, end in tasks:
        begun = _time(start)
        assert begun is not None
        spans.setdefault(step_of(name), []).append((begun, _time(end) or flow_end))
    return flow_start, flow_end, spans


def steps_running_at(prefect_home: Path, moment: float, process_end: float) -> list[str]:
    """The steps of the newest pipeline run that had a task running at ``moment`` (epoch seconds)."""
    run = _newest_run(prefect_home, process_end)
    if run is None:
        return []
    flow_start, flow_end, spans = run
    running = [name for name, found in spans.items() if any(start <= moment <= end for start, end in found)]
    if running:
        return sorted(running)
    return ["start-up (before the flow)" if moment < flow_start else "shut-down (after the flow)" if moment > flow_end
            else "in the flow, outside any task"]  # fmt: skip


def pipeline_breakdown(prefect_home: Path, process_start: float, process_end: float) -> dict[str, Any] | None:
    """Seconds per step of the newest pipeline flow run, or None if Prefect recorded none."""
    run = _newest_run(prefect_home, process_end)
    if run is None:
        return None
    flow_start, flow_end, spans = run
    steps: dict[str, float] = {}
    for name, found in sorted(spans.items(), key=lambda item: min(s for s, _ in item[1])):
        steps[name] = round(max(e for _, e in found) - min(s for s, _ in found), 2)
    publish = [span for name, found in spans.items() if name.startswith("publish ") for span in found]
    if publish:  # right after the last dataset's own line
        last = max(index for index, name in enumerate(steps) if name.startswith("publish "))
        items = list(steps.items())
        total = round(max(e for _, e in publish) - min(s for s, _ in publish), 2)
        steps = dict([*items[: last + 1], ("publish (all datasets)", total), *items[last + 1 :]])
    every = [span for found in spans.values() for span in found]
    return {
        "start-up (before the flow)": round(flow_start - process_start, 2),
        **steps,
        "in the flow, outside any task": round((flow_end - flow_start) - _covered(every), 2),
        "shut-down (after the flow)": round(process_end - flow_end, 2),
    }
