"""Golden files: the parse of real samples in ../shared/data, one record per format and the
hard 案号 cases, pinned in ``recovered_fields.json`` (our output only: no text, no titles, no
names). After an intended change, regenerate with ``UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.ingest.adapters.cjo_legacy import parse_page
from flows.ingest.inspect import inspect_record

GOLDEN = Path(__file__).with_name("recovered_fields.json")
# Fields shown by inspect that may carry names or copied text stay out of the golden file.
PRIVATE = {"title", "text_preview", "source_line"}
_NOW = datetime(2026, 1, 1, tzinfo=UTC)
JUDGE_IDS = ("5e454aeb", "0043ef64", "4dbacead", "802d24f8", "479b2b9a", "380778f6")


def _verdict(obj: Any) -> dict[str, Any]:
    verdict = inspect_record(1, obj, now=_NOW)
    fields = verdict.pop("fields", {})
    return {**verdict, **{k: v for k, v in fields.items() if k not in PRIVATE}}


def _samples(data: Path) -> dict[str, Any]:
    raw = data / "raw_cjo"
    chosen = {
        "raw_cjo/sample1.json": json.loads((raw / "sample1.json").read_text(encoding="utf-8")),
        "raw_cjo/sample3.json": json.loads((raw / "sample3.json").read_text(encoding="utf-8")),
    }
    page = (raw / "content.xhr").read_text(encoding="utf-8")
    chosen["raw_cjo/content.xhr (page string)"] = page
    chosen["raw_cjo/content.xhr (caseinfo object)"] = parse_page(page)
    with open(data / "judgments/judge_test.jsonl", encoding="utf-8") as handle:
        judge = [json.loads(line) for line in handle]
    picked = judge[:2] + [r for r in judge if r["text_id"].startswith(JUDGE_IDS)]
    chosen |= {f"judgments/judge_test.jsonl#{r['text_id']}": r for r in picked}
    with gzip.open(data / "judgments/lecard_sample200.jsonl.gz", "rt", encoding="utf-8") as handle:
        lecard = [json.loads(line) for line in handle]
    chosen |= {f"judgments/lecard_sample200.jsonl.gz#{r['writId']}": r for r in lecard[:3]}
    return chosen


def test_real_samples_parse_as_pinned(shared_data):
    actual = {key: _verdict(obj) for key, obj in _samples(shared_data).items()}
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(actual, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert actual.keys() == expected.keys()
    for key in expected:
        assert actual[key] == expected[key], key
