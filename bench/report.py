"""The issue's targets as ratios of measured stages, and the Markdown report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

RSS_TARGET_MB = 3 * 1024
SYNTH_TARGET_SECONDS = 120.0  # for 1,000,000 judgments
TARGET_AT = 1_000_000
PIPELINE_RUNS = ("full", "incremental", "no-op")


class _Stage(Protocol):
    name: str
    seconds: float
    peak_rss_mb: float
    rows: int | None
    detail: dict[str, Any]

    @property
    def rows_per_second(self) -> float | None: ...


def _target(name: str, value: float, target: str, ok: bool | None, note: str = "") -> dict[str, Any]:
    """A ratio against its target; ``ok`` None for one reported for information, without a target."""
    return {"name": name, "value": round(value, 4), "target": target, "pass": ok, "note": note}


def targets(stages: Mapping[str, _Stage], judgments: int) -> list[dict[str, Any]]:
    """The issue's targets, for those whose stages ran (a failed run still reports the rest)."""
    found: list[dict[str, Any]] = []
    full, floor = stages.get("full"), stages.get("floor")
    if full and floor:
        found.append(_target("full / floor (wall)", full.seconds / floor.seconds, "≤ 3", full.seconds <= 3 * floor.seconds))
        if monitor := stages.get("floor monitor"):
            found.append(_target("full / (floor + floor monitor) (wall)", full.seconds / (floor.seconds + monitor.seconds),
                                 "-", None, "for information: a floor over every landing file the pipeline reads, "
                                 "the monitor's as well as the scrapers'"))  # fmt: skip
    runs = [stages[name] for name in PIPELINE_RUNS if name in stages]
    if runs:
        top = max(runs, key=lambda stage: stage.peak_rss_mb)
        during = ", ".join(top.detail.get("peak_during") or []) or "?"
        found.append(_target("peak RSS of a pipeline run, MB", top.peak_rss_mb, f"≤ {RSS_TARGET_MB:,}",
                             top.peak_rss_mb <= RSS_TARGET_MB,
                             f"process tree, in the {top.name} run during {during}; flat as N grows: compare results.json "
                             "across N"))  # fmt: skip
    for name, limit in (("incremental", 0.15), ("no-op", 0.05)):
        if full and name in stages:
            ratio = stages[name].seconds / full.seconds
            found.append(_target(f"{name} / full (wall)", ratio, f"≤ {limit}", ratio <= limit))
    ours, peer = stages.get("validate ours"), stages.get("validate frictionless")
    if ours and peer and ours.rows and peer.rows:
        speed = (ours.rows_per_second or 0) / (peer.rows_per_second or float("inf"))
        found.append(_target("validation rows/s, ours / frictionless (process wall)", speed, "≥ 20", speed >= 20,
                             "judgments table; start-up (imports, GX context) included on both sides"))  # fmt: skip
        ours_inner = ours.rows / ours.detail["suite_seconds"] if ours.detail.get("suite_seconds") else 0.0
        peer_inner = peer.rows / peer.detail["seconds"] if peer.detail.get("seconds") else float("inf")
        found.append(_target("validation rows/s, ours / frictionless (in-process)", ours_inner / peer_inner, "≥ 20",
                             ours_inner >= 20 * peer_inner,
                             "our expectations without GX's import and start-up; frictionless' validate call"))  # fmt: skip
    if "synth" in stages:
        synth_1m = stages["synth"].seconds * TARGET_AT / judgments
        found.append(_target("synth of 1M judgments, s (linear from this N)", synth_1m, f"≤ {SYNTH_TARGET_SECONDS:.0f}",
                             synth_1m <= SYNTH_TARGET_SECONDS, "judgments and observations; curation apart"))  # fmt: skip
    return found


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _steps(stages: list[dict[str, Any]]) -> list[str]:
    """Seconds per pipeline step (from Prefect's task runs), one column per pipeline run."""
    runs = [stage for stage in stages if stage["name"] in PIPELINE_RUNS and stage["detail"].get("steps")]
    if not runs:
        return []
    names = list(dict.fromkeys(name for stage in runs for name in stage["detail"]["steps"]))
    lines = ["", "| pipeline step, s | " + " | ".join(stage["name"] for stage in runs) + " |", "|---|" + "---:|" * len(runs)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_number(stage["detail"]["steps"].get(name), 1) for stage in runs) + " |")
    return lines


def _dbt(stages: list[dict[str, Any]]) -> list[str]:
    """Per pipeline run that built: dbt's own elapsed time and its slowest nodes."""
    lines = []
    for stage in stages:
        if dbt := stage["detail"].get("dbt"):
            slowest = ", ".join(f"{name} {seconds:.1f}" for name, seconds in dbt["slowest"].items())
            lines.append(f"| {stage['name']} | {dbt['elapsed']:.1f} | {slowest} |")
    return ["", "| dbt build in | dbt s | slowest nodes, s |", "|---|---:|---|", *lines] if lines else []


def render(results: dict[str, Any]) -> str:
    lines = [
        f"### Scale benchmark: {results['judgments']:,} judgments "
        f"({'with' if results['observations'] else 'without'} observations), {results['input_records'] or 0:,} landing records",
        "",
        "| stage | wall s | peak RSS MB | rows | rows/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for stage in results["stages"]:
        name = stage["name"] + (" **(failed)**" if "failed" in stage["detail"] else "")
        lines.append(
            f"| {name} | {stage['seconds']:.1f} | {stage['peak_rss_mb']:,.0f} | {_number(stage['rows'])} "
            f"| {_number(stage['rows_per_second'])} |"
        )
    lines += _steps(results["stages"])
    lines += _dbt(results["stages"])
    lines += ["", "| ratio | value | target | result |", "|---|---:|---|---|"]
    for target in results["targets"]:
        note = f" ({target['note']})" if target["note"] else ""
        result = "info" if target["pass"] is None else "PASS" if target["pass"] else "FAIL"
        lines.append(f"| {target['name']}{note} | {target['value']:,.3f} | {target['target']} | {result} |")
    if results["checks"]:
        lines += ["", "| check | result |", "|---|---|"]
        lines += [f"| {name} | {'PASS' if ok else 'FAIL'} |" for name, ok in results["checks"].items()]
    if results.get("code_changed"):
        lines += ["", "**The code (flows, dbt project, suites) changed while the benchmark ran**: a rerun skips its "
                      "work only on unchanged code, so the incremental and no-op rows may include a full rebuild."]  # fmt: skip
    if results.get("failed"):
        lines += ["", f"**Stopped: {results['failed']}**"]
    if results["judgments"] != TARGET_AT:
        lines += ["", f"Targets are set for {TARGET_AT:,} judgments; at {results['judgments']:,} fixed costs "
                      "(Prefect's server start, imports) weigh more."]  # fmt: skip
    machine = results["machine"]
    lines += ["", f"Machine: {machine['cpus']} CPUs, DuckDB threads {machine['duckdb_threads']}, "
                  f"memory limit {machine['duckdb_memory_limit'] or '-'}, 1-min load average {machine['load_average'][0]:.1f} at the start, {machine['load_average'][1]:.1f} at the end."]  # fmt: skip
    return "\n".join(lines)
