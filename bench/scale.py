"""Scale benchmark (issue 7): the pipeline against a DuckDB-only floor, on the same synthetic input.

    bench/run --judgments 100000 [--out DIR] [--no-observations] [--frictionless-rows K] [--keep]

Stages, each a subprocess measured from outside (wall time, peak RSS summed over its process tree):

0. ``synth``: ``wenshu synth`` writes N judgments (and monitor observations) into the landing zone;
   ``synth curation`` then plants the privacy canaries and writes the curated datasets, as
   ``wenshu synth`` does by default (timed apart: it re-reads the whole landing zone).
1. ``floor``: DuckDB alone reads the scraper files and writes one zstd Parquet file; ``floor
   monitor`` the same for the monitor's files, which the pipeline ingests too (for information).
2. ``full``: ``wenshu run`` (ingest → validate → dbt build → validate → publish) into an empty store.
3. ``incremental``: ``wenshu run`` after one new scraper file with 1% new and 0.1% changed documents.
4. ``no-op``: ``wenshu run`` again, with nothing new.
5. ``validate ours`` (our GX suite over the published judgments Parquet) against ``validate
   frictionless`` (frictionless' row-by-row validation of the published judgments resource).

Prints a Markdown table and the ratios against the issue's targets, and writes ``<out>/results.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from breakdown import pipeline_breakdown, steps_running_at
from checks import check_incremental, check_ingest, check_noop, read_versions
from measure import Measured, base_env, run_measured
from report import render, targets

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
WENSHU = str(Path(PYTHON).with_name("wenshu"))
NEW_SHARE, CHANGED_SHARE = 0.01, 0.001
STATE_DIRS = ("landing", "store", "work", "scratch", "prefect", "download", "floor", "logs")


@dataclass
class Stage:
    name: str
    seconds: float
    peak_rss_mb: float
    rows: int | None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds > 0 else None


class StageFailed(RuntimeError):
    pass


def code_hash() -> str:
    """A short hash of the code a pipeline run executes: a rerun skips its work only if this is unchanged."""
    digest = hashlib.sha256()
    for folder in ("flows", "dbt_project", "expectations", "datapackages"):
        for path in sorted((REPO / folder).rglob("*")):
            parts = set(path.relative_to(REPO).parts)
            if path.is_file() and not parts & {"target", "logs", "dbt_packages", "__pycache__"}:
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class Bench:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.env = base_env(out)
        self.stages: list[Stage] = []

    def run(self, name: str, argv: list[str], rows: int | None = None) -> tuple[Stage, Measured]:
        print(f"[bench] {name}: started  ({' '.join(Path(a).name if a.startswith('/') else a for a in argv[:4])} …)", flush=True)
        log = log_name(name)
        measured = run_measured(argv, self.env, self.out / "logs", log, cwd=REPO)
        stage = Stage(name, measured.seconds, measured.peak_rss / 2**20, rows, {"rss_at_peak_mb": measured.peak_processes})
        self.stages.append(stage)
        if argv[1:2] == ["run"]:
            stage.detail["steps"] = pipeline_breakdown(self.out / "prefect", measured.started_at, measured.ended_at)
            stage.detail["peak_during"] = steps_running_at(self.out / "prefect", measured.peak_at, measured.ended_at)
        if measured.returncode != 0:
            stage.detail["failed"] = f"exit code {measured.returncode}; see logs/{log}.err"
            kept = []
            if argv[1:2] == ["run"]:
                try:
                    kept = keep_diagnostics(self.out, log, since=measured.started_at)
                except OSError as error:  # the failure itself is what must be reported
                    print(f"[bench] could not keep the diagnostics of {name}: {error}", flush=True)
            if kept:
                stage.detail["diagnostics"] = [str(path.relative_to(self.out)) for path in kept]
            raise StageFailed(f"{name} exited {measured.returncode} after {measured.seconds:.0f} s; see {self.out}/logs/{log}.err"
                              + (f" and {self.out}/logs/{log}.diagnostics/" if kept else "")
                              + f"\n{measured.stderr_tail[-1500:]}")  # fmt: skip
        print(f"[bench] {name}: done in {stage.seconds:.1f} s, peak RSS {stage.peak_rss_mb:,.0f} MB", flush=True)
        return stage, measured

    def task(self, name: str, *args: str) -> tuple[Stage, dict[str, Any]]:
        """A stage of bench/tasks.py: rows and details come from its JSON line."""
        stage, measured = self.run(name, [PYTHON, str(BENCH / "tasks.py"), *args])
        result = json.loads(measured.stdout.strip().splitlines()[-1])
        stage.rows = result.pop("rows")
        stage.detail |= result
        return stage, result

    def pipeline(self, name: str, rows: int | None = None) -> Stage:
        """``wenshu run``, with the time per step from Prefect's records of it."""
        code = code_hash()
        stage, measured = self.run(name, [WENSHU, "run"], rows=rows)
        stage.detail["published"] = _published(self.out)
        stage.detail["code"] = code if code == code_hash() else f"{code}, changed during the run"
        if dbt := dbt_timings(self.out, log_name(name), since=measured.started_at):
            stage.detail["dbt"] = dbt
        return stage


def log_name(stage: str) -> str:
    """The stem of a stage's files under ``logs/``."""
    return re.sub(r"\W+", "-", stage)


DBT_SLOWEST = 8


def dbt_timings(out: Path, log: str, since: float) -> dict[str, Any] | None:
    """The dbt build of the ``wenshu run`` that began at ``since`` (a Unix time), if it built:
    dbt's own elapsed time and its slowest nodes. Its ``run_results.json`` is kept as
    ``logs/<log>.dbt-run-results.json``."""
    found = [path for path in out.glob("work/warehouse/*.dbt/target/run_results.json") if path.stat().st_mtime >= since]
    if not found:
        return None  # nothing to build
    shutil.copy2(found[0], out / "logs" / f"{log}.dbt-run-results.json")
    results = json.loads(found[0].read_text())
    nodes = sorted(results["results"], key=lambda node: -node["execution_time"])[:DBT_SLOWEST]
    return {
        "elapsed": round(results["elapsed_time"], 2),
        "slowest": {node["unique_id"].split(".", 2)[-1]: round(node["execution_time"], 2) for node in nodes},
    }


# What a failed pipeline run leaves that says why: dbt's results and log, and the run's own folder
# (its report and validation results). Small, unlike the state around them, which is removed
# unless --keep.
_DIAGNOSTICS = ("work/warehouse/*.dbt/target/run_results*.json", "work/warehouse/*.dbt/logs/dbt.log")


def keep_diagnostics(out: Path, log: str, since: float = 0.0) -> list[Path]:
    """Copy a failed ``wenshu run``'s diagnostics into ``out/logs/<log>.diagnostics/``; the copies.

    Only what the run wrote counts (changed at or after ``since``, a Unix time): an earlier
    stage's dbt results or run folder would explain the wrong run. The run's folder is the newest
    under ``work/runs/`` (run ids start with their UTC time)."""
    target = out / "logs" / f"{log}.diagnostics"
    shutil.rmtree(target, ignore_errors=True)
    found = [path for pattern in _DIAGNOSTICS for path in sorted(out.glob(pattern)) if path.is_file() and path.stat().st_mtime >= since]
    runs = sorted(path for path in (out / "work" / "runs").glob("*") if path.is_dir() and path.stat().st_mtime >= since)
    kept = []
    for path in found:
        copy = target / path.relative_to(out / "work")
        copy.parent.mkdir(parents=True, exist_ok=True)
        kept.append(Path(shutil.copy2(path, copy)))
    if runs:
        kept.append(Path(shutil.copytree(runs[-1], target / "runs" / runs[-1].name)))
    return kept


def _clear(out: Path) -> None:
    """Remove an earlier run's state under ``out`` (only the folders this benchmark makes)."""
    for name in STATE_DIRS:
        shutil.rmtree(out / name, ignore_errors=True)
    for name in ("results.json", "results.md"):
        (out / name).unlink(missing_ok=True)


def _synth_counts(text: str) -> tuple[int, int]:
    found = re.search(r"synth: ([\d,]+) judgments, ([\d,]+) observations", text)
    if not found:
        raise StageFailed(f"cannot read the counts from wenshu synth's output: {text[-500:]}")
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def _published(out: Path) -> dict[str, str]:
    """Dataset → its newest version in the store."""
    return {name: index["versions"][-1]["version"] for name, index in read_versions(out / "store").items() if index["versions"]}


def run_stages(bench: Bench, args: argparse.Namespace, checks: dict[str, bool]) -> None:
    """Every stage in order; stops at the first that fails (``StageFailed``), keeping what was measured."""
    out, landing = bench.out, bench.out / "landing"
    observations = "--observations" if args.observations else "--no-observations"
    synth_argv = [WENSHU, "synth", "--judgments", str(args.judgments), "--out", str(landing), observations, "--no-curation", "--no-canaries"]  # fmt: skip
    synth, measured = bench.run("synth", synth_argv)
    records, observed = _synth_counts(measured.stderr_tail)
    synth.rows = records
    synth.detail |= {"observations": observed, "observations_per_judgment": round(observed / records, 2)}
    bench.task("synth curation", "curation", str(landing))

    floor, _ = bench.task("floor", "floor", str(landing), str(out / "floor" / "judgments.parquet"))
    input_rows = floor.rows  # every judgment record in the scraper files (re-captures and canaries included)
    if args.observations:  # the pipeline ingests the monitor's files too: what DuckDB alone takes for them
        bench.task("floor monitor", "floor-monitor", str(landing), str(out / "floor" / "observations.parquet"))

    bench.pipeline("full", rows=input_rows)
    checks |= check_ingest(out / "work", args.observations)

    new, changed = max(1, round(args.judgments * NEW_SHARE)), max(1, round(args.judgments * CHANGED_SHARE))
    _, increment = bench.task("increment input", "increment", str(landing), str(new), str(changed))
    before = read_versions(out / "store")
    incremental = bench.pipeline("incremental", rows=new + changed)
    after_incremental = read_versions(out / "store")
    incremental.detail |= {"new": new, "changed": changed}
    checks |= check_incremental(out / "store", before, after_incremental, set(increment["new"]), set(increment["changed"]))

    bench.pipeline("no-op")
    checks |= check_noop(after_incremental, read_versions(out / "store"))

    version = after_incremental["cjo-judgments"]["versions"][-1]["version"]
    download = out / "download"
    bench.run("download", [WENSHU, "download", f"cjo-judgments@{version}", "--to", str(download)])
    package = download / "cjo-judgments" / version
    bench.task("validate ours", "gx", str(package / "data" / "judgments.parquet"))
    bench.run("validate package", [WENSHU, "validate", "--package", str(package)])
    resource = "judgments-" + args.frictionless_format
    bench.task("validate frictionless", "frictionless", str(package / "datapackage.json"), resource, str(args.frictionless_rows))
    for name in ("validate ours", "validate frictionless"):
        stage = next(stage for stage in bench.stages if stage.name == name)
        if not stage.detail.get("valid"):
            print(f"[bench] warning: {name} reported the table invalid: {stage.detail}", flush=True)


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run the stages into ``args.out`` and return the results (with ``failed`` if a stage failed)."""
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    bench = Bench(out)
    checks: dict[str, bool] = {}
    load_at_start, started = os.getloadavg(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    failed = None
    try:
        run_stages(bench, args, checks)
    except StageFailed as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr, flush=True)
        failed = str(exc).splitlines()[0]
    stages = {stage.name: stage for stage in bench.stages if "failed" not in stage.detail}
    codes = {stage.detail["code"] for stage in bench.stages if "code" in stage.detail}
    if len(codes) > 1:
        print(f"[bench] warning: the code changed between or during pipeline runs ({', '.join(sorted(codes))}): "
              "a rerun skips its work only on unchanged code", flush=True)  # fmt: skip
    floor = stages.get("floor")
    return {
        "judgments": args.judgments,
        "observations": args.observations,
        "input_records": floor.rows if floor else None,
        "started": started,
        "failed": failed,
        "code_changed": len(codes) > 1,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "duckdb_threads": floor.detail.get("threads") if floor else None,
            "duckdb_memory_limit": floor.detail.get("memory_limit") if floor else None,
            "load_average": [load_at_start[0], os.getloadavg()[0]],
        },
        "stages": [
            asdict(stage) | {"rows_per_second": None if "failed" in stage.detail else stage.rows_per_second}
            for stage in bench.stages
        ],
        "targets": targets(stages, args.judgments),
        "checks": checks,
    }


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judgments", type=int, default=100_000, help="synthetic judgments to generate (default 100000)")
    parser.add_argument("--out", type=Path, help="folder for all state and results (default var/bench/<N>)")
    parser.add_argument(
        "--observations", action=argparse.BooleanOptionalAction, default=True, help="also generate monitor observations"
    )
    parser.add_argument(
        "--frictionless-rows", type=int, default=0, help="cap the rows frictionless validates (default 0: all rows)"
    )
    parser.add_argument(
        "--frictionless-format", choices=("csv", "parquet"), default="csv",
        help="which published judgments file frictionless reads (default csv: its streaming reader; "
        "its Parquet reader loads the whole table into pandas)",
    )  # fmt: skip
    parser.add_argument(
        "--keep", action="store_true", help="keep landing, work, store and downloads (default: results and logs only)"
    )
    args = parser.parse_args(argv)
    if args.judgments < 1000:
        parser.error("--judgments must be at least 1000 (0.1% changed documents must be at least one)")
    args.out = args.out or REPO / "var" / "bench" / str(args.judgments)
    return args


def main(argv: list[str]) -> int:
    args = _parse(argv)
    try:
        results = benchmark(args)
    finally:
        if not args.keep:
            for name in ("landing", "store", "work", "scratch", "prefect", "download", "floor"):
                shutil.rmtree(args.out.resolve() / name, ignore_errors=True)
    text = render(results)
    print("\n" + text)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (args.out / "results.md").write_text(text + "\n")
    print(f"\n[bench] results: {args.out / 'results.json'}")
    return 0 if results["failed"] is None and all(results["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
