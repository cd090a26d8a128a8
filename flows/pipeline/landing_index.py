"""Which landing files are already ingested, known without reading them.

A raw partition is named by the sha256 of its landing file's bytes, so proving a file is done
means downloading and hashing it, in a task of its own: at a million judgments (hundreds of
files) that was most of a rerun. The index (``runs/landing-index.json`` in the work area)
remembers, per landing key, the storage's stamp of the file (size and mtime locally, size and
ETag on S3) and its ingest report. A file whose stamp is unchanged and whose manifest is still
in the work area is reused from the index; every other file goes through ingest, which hashes it
as before. The index is only a cache: losing it, or a stale entry, costs a re-hash, never a
wrong partition, since a stamp is taken before the file is read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import orjson

from flows import layout
from flows.pipeline.context import RunContext
from flows.publish import pointers

log = logging.getLogger(__name__)


@dataclass
class IngestPlan:
    pending: list[str]  # keys to ingest (new, changed or unknown)
    reused: list[dict[str, Any]]  # reports of unchanged files, as ingest would return them
    stamps: dict[str, str] = field(default_factory=dict)  # every key's stamp, taken before any read


def plan_ingest(context: RunContext, keys: list[str]) -> IngestPlan:
    index = pointers.read_json(context.work, layout.LANDING_INDEX) or {}
    done = set(context.work.list(layout.INGESTED_PREFIX))
    plan = IngestPlan([], [])
    for key in keys:
        stamp = context.landing.stamp(key)
        if stamp is None:  # vanished since the listing: ingest reports it
            plan.pending.append(key)
            continue
        plan.stamps[key] = stamp
        entry = index.get(key)
        if entry and entry["stamp"] == stamp and layout.ingest_manifest(entry["report"]["partition_id"]) in done:
            plan.reused.append({**entry["report"], "reused": True, "source_file": key})
        else:
            plan.pending.append(key)
    log.info("landing: %d files unchanged since their ingest, %d to ingest", len(plan.reused), len(plan.pending))
    return plan


def record_ingested(context: RunContext, plan: IngestPlan, reports: list[dict[str, Any]]) -> None:
    """Remember the stamps of the files just ingested (unreadable ones are retried next time)."""
    index = pointers.read_json(context.work, layout.LANDING_INDEX) or {}
    index = {key: entry for key, entry in index.items() if key in plan.stamps}  # forget removed files
    for report in reports:
        key = report["source_file"]
        if report.get("status") == "ingested" and key in plan.stamps:
            index[key] = {"stamp": plan.stamps[key], "report": {**report, "reused": False}}
    context.work.put(layout.LANDING_INDEX, orjson.dumps(index, option=orjson.OPT_SORT_KEYS))


def ingest_files(context: RunContext) -> list[dict[str, Any]]:
    """Every landing file's report: unchanged files from the index, the rest ingested in parallel."""
    from flows.pipeline import tasks
    from flows.pipeline.runners import run_parallel

    keys = tasks.list_landing(context)
    plan = tasks.plan_ingest(context, keys)
    # one landing file is short work (the contract keeps files to ~65 MB): alone, it runs in this process
    ingested = run_parallel(tasks.ingest_file, context, "key", plan.pending, inline_single=True)
    tasks.record_ingested(context, plan, ingested)
    by_key = {report["source_file"]: report for report in [*plan.reused, *ingested]}
    return [by_key[key] for key in keys]
