"""Measure ingest on the real samples in ../shared/data: run ingest + dbt, print per-field recovery.

    uv run --frozen python tests/golden/ingest_quality.py [--out var/quality]

Not collected by pytest (takes ~1 min). The numbers go into docs/ingest-quality.md. The legacy
content page is landed the way a scraper would deliver it: its JavaScript as one JSON string
per line, and the parsed ``caseinfo`` object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.ingest import ingest_landing  # noqa: E402
from flows.ingest.adapters.cjo_legacy import parse_page  # noqa: E402
from flows.storage import open_storage  # noqa: E402
from flows.transform import build  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
FIELDS = ("case_number", "case_year", "court_code", "case_type_code", "court_id", "court_name", "court_level",
          "court_province", "document_type", "cause", "judgment_date", "publish_date", "parties_count",
          "judges_count", "party_role_counts", "legal_basis_count", "case_type", "procedure")  # fmt: skip


def land(landing: Path) -> None:
    scraper = landing / "scraper"
    scraper.mkdir(parents=True)
    for name in ("judge_test.jsonl", "lecard_sample200.jsonl.gz"):
        shutil.copy(DATA / "judgments" / name, scraper / name)
    for name in ("sample1.json", "sample3.json"):
        shutil.copy(DATA / "raw_cjo" / name, scraper / name)
    page = (DATA / "raw_cjo" / "content.xhr").read_text(encoding="utf-8")
    (scraper / "legacy_page.jsonl").write_text(json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8")
    caseinfo = {**parse_page(page), "文书ID": "legacy-object-form"}
    (scraper / "legacy_caseinfo.jsonl").write_text(json.dumps(caseinfo, ensure_ascii=False) + "\n", encoding="utf-8")


def measure(out: Path) -> dict[str, object]:
    landing, work = out / "landing", out / "work"
    land(landing)
    report = ingest_landing(open_storage(str(landing)), open_storage(str(work)), out / "scratch")
    build(str(work / "raw" / "judgments" / "*.parquet"), out / "wenshu.duckdb")
    con = duckdb.connect(str(out / "wenshu.duckdb"), read_only=True)
    total = con.sql("select count(*) from judgments").fetchone()[0]  # type: ignore[index]
    shares = {}
    for field in FIELDS:
        got = con.sql(f"select count(*) from judgments where {field} is not null").fetchone()[0]  # type: ignore[index]
        shares[field] = f"{got}/{total} ({100 * got / total:.1f}%)"
    by_format = con.sql(
        "select source_format, count(*), count(court_id), count(judgment_date) from judgments group by all order by 1"
    ).fetchall()
    unresolved = con.sql("select doc_id, case_number, court_name from judgments where court_id is null").fetchall()
    with_number = con.sql(
        "select count(*), count(case_type_code) from judgments where case_number is not null and case_number <> '无'"
    ).fetchone()
    return {"ingest": report.to_dict()["totals"], "formats": report.counter("formats"), "reasons": report.counter("reasons"),
            "flags": report.counter("flags"), "documents": total, "recovered": shares, "by_format": by_format,
            "case_numbers_decoded": with_number, "unresolved_courts": unresolved}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="wenshu-quality-"))
    print(json.dumps(measure(out), ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
