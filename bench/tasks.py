"""The benchmark's own stages, each run as ``python bench/tasks.py <stage> ...`` in a subprocess.

Each prints one JSON object on its last stdout line (``rows``, ``seconds`` measured inside the
process, and stage details), so the parent can measure the whole process from outside and still
tell start-up cost (imports, GX context) from the work itself.

- ``floor LANDING OUT``: DuckDB alone reads the scraper landing files and writes one zstd Parquet,
  with the pipeline's DuckDB settings (``flows.duck.connect``: WENSHU_DUCKDB_THREADS, memory limit).
- ``floor-monitor LANDING OUT``: the same for the availability monitor's files (observations).
- ``curation LANDING``: plant the privacy canaries and write the curated datasets, as ``wenshu synth`` does.
- ``increment LANDING NEW CHANGED``: write one new scraper file with NEW new and CHANGED changed documents.
- ``gx PARQUET``: our Great Expectations suite ``judgments`` over one published judgments Parquet file.
- ``frictionless DATAPACKAGE RESOURCE [LIMIT]``: frictionless' row-by-row validation of one resource.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

# The scraper files ingest reads: the generator's gzip JSONL and the canaries' plain JSONL.
SCRAPER_GLOBS = ("scraper/**/*.jsonl.gz", "scraper/**/*.jsonl")
# The availability monitor's files (observations), which the pipeline ingests too.
MONITOR_GLOBS = ("monitor/**/*.jsonl.gz", "monitor/**/*.jsonl")
FLOOR_GLOBS = {"floor": SCRAPER_GLOBS, "floor-monitor": MONITOR_GLOBS}
# Above any record ingest keeps (WENSHU_MAX_FIELD_BYTES, 2 MB); DuckDB sizes its read buffers from it.
MAXIMUM_OBJECT_SIZE = 16 * 1024 * 1024


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def floor(landing: Path, out: Path, globs: tuple[str, ...] = SCRAPER_GLOBS) -> dict[str, Any]:
    from flows.duck import connect
    from flows.settings import get_settings

    settings = get_settings()
    files = [str(path) for pattern in globs for path in sorted(landing.glob(pattern))]
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with connect() as con:
        con.execute("set enable_progress_bar = false")
        file_list = "[" + ", ".join(_literal(f) for f in files) + "]"
        con.execute(
            f"copy (select * from read_json({file_list}, format = 'newline_delimited', union_by_name = true, "
            f"maximum_object_size = {MAXIMUM_OBJECT_SIZE})) to {_literal(str(out))} "
            "(format parquet, compression zstd, row_group_size 100000)"
        )
        row = con.execute(f"select count(*) from read_parquet({_literal(str(out))})").fetchone()
    return {
        "rows": int(row[0]) if row else 0,
        "seconds": time.perf_counter() - started,
        "files": len(files),
        "bytes": out.stat().st_size,
        "threads": settings.duckdb_threads,
        "memory_limit": settings.duckdb_memory_limit,
    }


def curation(landing: Path) -> dict[str, Any]:
    from flows.synth.curation import generate_curation, plant_canaries

    started = time.perf_counter()
    canaries = plant_canaries(landing, 0)
    curated = generate_curation(landing, 0)
    return {"rows": sum(curated.values()), "seconds": time.perf_counter() - started, "canaries": len(canaries), **curated}


def increment(landing: Path, new: int, changed: int) -> dict[str, Any]:
    from increment import write_increment  # bench/ is this script's folder, hence on sys.path

    started = time.perf_counter()
    written = write_increment(landing, new, changed)
    return {"rows": new + changed, "seconds": time.perf_counter() - started, **written}


def gx(parquet: Path) -> dict[str, Any]:
    import duckdb

    from flows.validate import validate_tables

    rows = duckdb.sql(f"select count(*) from read_parquet({_literal(str(parquet))})").fetchone()
    report = validate_tables({"judgments": str(parquet)}, ["judgments"])
    expectations = sum(len(suite.outcomes) for suite in report.suites)
    return {
        "rows": int(rows[0]) if rows else 0,
        "seconds": report.seconds,  # the validate call: GX's import and context start-up included
        "suite_seconds": sum(suite.seconds for suite in report.suites),  # the expectations alone
        "valid": report.passed,
        "expectations": expectations,
    }


def frictionless(descriptor: Path, resource_name: str, limit: int | None) -> dict[str, Any]:
    from frictionless import Package

    package = Package(str(descriptor))  # type: ignore[misc]  # the stub misses the positional source
    resource = package.get_resource(resource_name)
    started = time.perf_counter()
    report = resource.validate(limit_rows=limit)  # a capped run stops early and skips the file's hash and size checks
    task = report.tasks[0]
    errors = [{"type": e.type, "note": e.note} for e in task.errors[:5]]
    return {
        "rows": int(task.stats.get("rows") or 0),
        "seconds": time.perf_counter() - started,
        "valid": report.valid,
        "errors": errors,
        "format": resource.format,
    }


def main(argv: list[str]) -> None:
    from flows.collector import skip_collection_at_exit

    skip_collection_at_exit()  # exits as ``wenshu`` does
    stage, *args = argv
    if stage in FLOOR_GLOBS:
        result = floor(Path(args[0]), Path(args[1]), FLOOR_GLOBS[stage])
    elif stage == "curation":
        result = curation(Path(args[0]))
    elif stage == "increment":
        result = increment(Path(args[0]), int(args[1]), int(args[2]))
    elif stage == "gx":
        result = gx(Path(args[0]))
    elif stage == "frictionless":
        result = frictionless(Path(args[0]), args[1], int(args[2]) if len(args) > 2 and args[2] != "0" else None)
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
