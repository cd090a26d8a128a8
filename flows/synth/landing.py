"""Write a synthetic landing zone: gzip JSONL judgments and observations, one task per file.

Each judgments file is generated from its own random stream (seed, file number), so the output
is byte-identical for a seed whatever the number of worker processes, and a larger run with the
same seed and file size starts with the same files. Within a file, judgments are grouped by
cause, as a crawler that queries CJO cause by cause writes them (and gzip packs them faster);
recaptures stay after their first capture.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from random import Random

from isal import igzip

from flows.synth.courts import load_reference
from flows.synth.documents import LINE_END, judgment_line, recapture, stamp
from flows.synth.monitor import observation_block

RECORDS_PER_FILE = 5000
RECAPTURE_SHARE = 0.01


@dataclass(frozen=True)
class SynthSummary:
    judgments: int  # judgment records written (recaptures included)
    observations: int
    files: int
    bytes: int


@dataclass(frozen=True)
class _Task:
    out_dir: Path
    seed: int
    part: int
    first_index: int
    count: int
    observations: bool
    median_chars: int
    compresslevel: int


def scraper_dir(out_dir: Path, seed: int) -> Path:
    return out_dir / "scraper" / f"seed-{seed}"


def monitor_dir(out_dir: Path, seed: int) -> Path:
    return out_dir / "monitor" / f"seed-{seed}"


def _write(path: Path, lines: list[bytes], compresslevel: int) -> int:
    """Gzip ``lines`` into ``path`` atomically (ISA-L's gzip: 3-4x faster than zlib, same format)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(igzip.compress(b"".join(lines), compresslevel=compresslevel, mtime=0))
    tmp.replace(path)
    return path.stat().st_size


def _clear(folder: Path) -> None:
    """Remove an earlier run's files for this seed, so the folder holds exactly this run."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name.startswith(("part-", "observations-")) and path.name.endswith((".jsonl.gz", ".tmp")):
                path.unlink()


def _run(task: _Task) -> tuple[int, int, int, int]:
    """Generate and write one judgments file (and its observations): (records, observations, files, bytes)."""
    ref = load_reference()
    rng = Random(f"wenshu-synth/{task.seed}/{task.part}")
    random = rng.random
    bodies: list[tuple[bytes, int, str]] = []  # each document's line up to its capture time, capture day, cause
    lines: list[tuple[bytes, bytes]] = []  # (body, capture time)
    causes: list[str] = []
    observed: list[bytes] = []
    checks = 0
    for offset in range(task.count):
        if bodies and random() < RECAPTURE_SHARE:
            body, captured, cause = bodies[int(random() * len(bodies))]
            captured = recapture(rng, captured)
        else:
            body, judged = judgment_line(rng, ref, task.seed, task.first_index + offset, task.median_chars)
            captured, cause = judged.captured_day, judged.cause.name
            bodies.append((body, captured, cause))
            if task.observations:
                block, count = observation_block(rng, judged)
                observed.append(block)
                checks += count
        lines.append((body, stamp(captured, rng)))
        causes.append(cause)
    by_cause = sorted(range(len(lines)), key=causes.__getitem__)  # stable: recaptures stay after the first capture
    name = f"{task.part:05d}.jsonl.gz"
    records = [part for i in by_cause for part in (*lines[i], LINE_END)]
    size = _write(scraper_dir(task.out_dir, task.seed) / f"part-{name}", records, task.compresslevel)
    files = 1
    if task.observations:
        size += _write(monitor_dir(task.out_dir, task.seed) / f"observations-{name}", observed, task.compresslevel)
        files += 1
    return len(lines), checks, files, size


def generate_landing(
    out_dir: Path,
    judgments: int,
    seed: int = 0,
    observations: bool = True,
    *,
    median_chars: int = 3000,
    records_per_file: int = RECORDS_PER_FILE,
    workers: int | None = None,
    compresslevel: int = 1,
) -> SynthSummary:
    """Write ``judgments`` synthetic judgment records (and their observations) under ``out_dir``.

    Files go to ``scraper/seed-<seed>/part-NNNNN.jsonl.gz`` (``records_per_file`` judgments each)
    and ``monitor/seed-<seed>/observations-NNNNN.jsonl.gz`` (the checks of those judgments);
    earlier files of the same seed there are replaced. ``median_chars`` sets the median text
    length (the tail reaches ~33× it): lower it for fast demos. ``workers`` defaults to the CPU
    count (1 runs in-process); ``compresslevel`` is ISA-L's, 0 (fastest) to 3 (smallest).
    """
    if judgments < 0 or seed < 0 or records_per_file < 1 or median_chars < 100:
        raise ValueError("judgments >= 0, seed >= 0, records_per_file >= 1 and median_chars >= 100 are required")
    tasks = [
        _Task(
            Path(out_dir), seed, part, start, min(records_per_file, judgments - start), observations, median_chars, compresslevel
        )
        for part, start in enumerate(range(0, judgments, records_per_file))
    ]
    for folder in (scraper_dir(Path(out_dir), seed), monitor_dir(Path(out_dir), seed)):
        _clear(folder)
    workers = min(workers or os.cpu_count() or 1, len(tasks)) or 1
    load_reference()  # once in the parent, inherited by forked workers
    if workers == 1:
        results = [_run(task) for task in tasks]
    else:
        # fork: workers inherit the loaded seeds, and plain scripts need no __main__ guard; the
        # workers only compute and write files, so a parent's threads (Prefect) cannot bite.
        context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = list(pool.map(_run, tasks))
    return SynthSummary(*(sum(column) for column in zip(*results, strict=True))) if results else SynthSummary(0, 0, 0, 0)
