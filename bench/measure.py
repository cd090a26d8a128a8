"""Run one stage as a subprocess and measure its wall time and the peak RSS of its whole process tree.

RSS is sampled every ``interval`` seconds (0.2 s) and summed over the process and all its descendants
(Prefect's temporary uvicorn server, forked generator workers, dbt threads live in the parent).
Summed RSS counts pages shared between forked processes once per process, so it errs high:
it is an upper bound, which is what a memory target needs.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss: int  # bytes, summed over the process tree
    returncode: int
    stdout: str
    stderr_tail: str
    peak_processes: dict[str, float]  # at the peak: process label → RSS in MB (summed over same labels)
    started_at: float  # epoch seconds, to line up with timestamps the stage records itself
    ended_at: float
    peak_at: float  # epoch seconds of the peak sample


def _label(process: psutil.Process) -> str:
    """A short name for a process: its program and first arguments (``wenshu run``, ``python -m uvicorn``)."""
    try:
        argv = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "?"
    return " ".join(Path(part).name if part.startswith("/") else part for part in argv[:4])[:70] or process.name()


def _tree_rss(root: psutil.Process, labels: dict[int, str]) -> dict[int, int]:
    """pid → RSS in bytes for the process and all its descendants; ``labels`` learns new pids' labels."""
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    sizes = {}
    for process in processes:
        # a process that ended between listing and reading took its memory with it
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            sizes[process.pid] = process.memory_info().rss
            if process.pid not in labels:
                label = _label(process)
                forked = process.pid != root.pid and label == labels.get(root.pid)
                labels[process.pid] = f"{label} (forked)" if forked else label
    return sizes


def run_measured(
    argv: list[str], env: dict[str, str], log_dir: Path, name: str, cwd: Path | None = None, interval: float = 0.2
) -> Measured:
    """Run ``argv`` to completion; stdout and stderr go to ``log_dir/<name>.out|.err``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    peak, peak_at, at_peak, labels = 0, 0.0, dict[int, int](), dict[int, str]()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started, started_at = time.perf_counter(), time.time()
        process = psutil.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_at, at_peak
            while not done.is_set():
                sizes = _tree_rss(process, labels)
                if sum(sizes.values()) > peak:
                    peak, peak_at, at_peak = sum(sizes.values()), time.time(), sizes
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    stderr = err_path.read_text(errors="replace")
    stdout = out_path.read_text(errors="replace")
    return Measured(
        seconds, peak, returncode, stdout, stderr[-3000:], _composition(at_peak, labels), started_at, started_at + seconds,
        peak_at,
    )


def _composition(sizes: dict[int, int], labels: dict[int, str]) -> dict[str, float]:
    """Process label → MB at the peak; processes with the same label are summed (their number in the label)."""
    found: dict[str, float] = {}
    count: dict[str, int] = {}
    for pid, rss in sizes.items():
        label = labels.get(pid, f"pid {pid}")
        found[label] = round(found.get(label, 0.0) + rss / 2**20, 1)
        count[label] = count.get(label, 0) + 1
    named = {(f"{label} (×{count[label]})" if count[label] > 1 else label): mb for label, mb in found.items()}
    return dict(sorted(named.items(), key=lambda item: -item[1]))


def base_env(out_dir: Path) -> dict[str, str]:
    """The environment every stage runs with: all storage, scratch and Prefect state under ``out_dir``."""
    env = dict(os.environ)
    env.update(
        WENSHU_LANDING_URL=str(out_dir / "landing"),
        WENSHU_STORE_URL=str(out_dir / "store"),
        WENSHU_WORK_URL=str(out_dir / "work"),
        WENSHU_SCRATCH_DIR=str(out_dir / "scratch"),
        PREFECT_HOME=str(out_dir / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        COLUMNS="160",  # rich wraps its tables at 80 columns when not on a terminal
    )
    return env
