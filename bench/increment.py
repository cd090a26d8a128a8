"""The incremental run's input: one new scraper file with new documents and changed ones.

New documents come from the project's generator under another seed (``doc_id`` hashes the seed,
so they never collide with the landing zone's); the generator's own re-captures are skipped so
every new record is a distinct document. Changed documents are existing records read back from
the landing files and captured again one day later with an edited text: the marts take fields
from the latest capture (``int_judgments__merged``) and the text from the latest capture holding
one (``judgment_texts``), so each one changes its published
judgments row (``text_chars``, ``text_sha256``, ``capture_count``, ``last_seen_at``) but keeps
its ``doc_id``. Only documents captured once are picked, so the edited copy is surely the latest.
"""

from __future__ import annotations

import gzip
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

INCREMENT_SEED = 90_001  # any seed but the landing zone's (0)
INCREMENT_FILE = Path("scraper/bench-increment/part-00000.jsonl.gz")
CORRECTION = "\n（本判决书经核对后更正。）"


def _records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rb") as handle:
        return [orjson.loads(line) for line in handle]


def _new_records(count: int) -> list[dict[str, Any]]:
    from flows.synth import generate_landing
    from flows.synth.landing import scraper_dir

    with tempfile.TemporaryDirectory(prefix="bench-increment-") as folder:
        # ~1% of generated records are re-captures; generate a little more than needed
        generate_landing(Path(folder), count + count // 20 + 10, seed=INCREMENT_SEED, observations=False)
        seen: set[str] = set()
        chosen: list[dict[str, Any]] = []
        for path in sorted(scraper_dir(Path(folder), INCREMENT_SEED).glob("part-*.jsonl.gz")):
            for record in _records(path):
                if record["doc_id"] not in seen and len(chosen) < count:
                    seen.add(record["doc_id"])
                    chosen.append(record)
    if len(chosen) < count:
        raise RuntimeError(f"the generator gave {len(chosen)} distinct new documents, {count} needed")
    return chosen


def _changed_records(landing: Path, count: int) -> list[dict[str, Any]]:
    """``count`` documents captured once, spread over the landing files, captured again with a corrected text."""
    files = sorted((landing / "scraper").glob("seed-*/part-*.jsonl.gz"))
    per_file = -(-count // max(len(files), 1))
    chosen: list[dict[str, Any]] = []
    for path in files:  # the generator re-captures only within a file, so a file tells how often a doc was seen
        records = _records(path)
        seen = Counter(record["doc_id"] for record in records)
        once = [record for record in records if seen[record["doc_id"]] == 1]
        step = max(len(once) // per_file, 1)
        chosen.extend(once[::step][: min(per_file, count - len(chosen))])
        if len(chosen) >= count:
            break
    if len(chosen) < count:
        raise RuntimeError(f"found {len(chosen)} documents to change in {landing}, {count} needed")
    return [_corrected(record) for record in chosen]


def _corrected(record: dict[str, Any]) -> dict[str, Any]:
    captured = datetime.fromisoformat(record["captured_at"].replace("Z", "+00:00")) + timedelta(days=1)
    return {**record, "text": record["text"] + CORRECTION, "captured_at": captured.strftime("%Y-%m-%dT%H:%M:%SZ")}


def write_increment(landing: Path, new: int, changed: int) -> dict[str, Any]:
    """Write ``landing/scraper/bench-increment/part-00000.jsonl.gz``; return the doc_ids by kind."""
    records = {"new": _new_records(new), "changed": _changed_records(landing, changed)}
    existing = {record["doc_id"] for record in records["changed"]}
    if existing & {record["doc_id"] for record in records["new"]}:
        raise RuntimeError("a new doc_id collides with an existing one")
    path = landing / INCREMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")  # the landing contract: write, then rename
    with gzip.open(tmp, "wb", compresslevel=1) as handle:
        handle.writelines(orjson.dumps(record) + b"\n" for kind in ("new", "changed") for record in records[kind])
    tmp.replace(path)
    return {kind: [record["doc_id"] for record in found] for kind, found in records.items()} | {"path": str(path)}
