"""Ingest: every record lands in the raw layer or in quarantine with a reason; counts reconcile."""

import gzip
import json
from pathlib import Path

import duckdb
import orjson
import pytest

from flows.ingest import ingest_landing
from flows.storage import open_storage

TEXT = "上海市奉贤区人民法院\n刑事判决书\n（2017）沪0120刑初684号\n被告人张某犯盗窃罪。"


def record(doc_id="d1", **extra):
    return {"schema": "wenshu.judgment/1", "doc_id": doc_id, "text": TEXT, "judgment_date": "2017-05-01",
            "publish_date": "2017-06-01", "captured_at": "2026-01-01T00:00:00Z", **extra}  # fmt: skip


def write_jsonl(path: Path, lines: list, encoding="utf-8", bom=False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
    data = (("\ufeff" if bom else "") + body).encode(encoding)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


def run(tmp_path: Path):
    report = ingest_landing(open_storage(str(tmp_path / "landing")), open_storage(str(tmp_path / "work")), tmp_path / "scratch")
    return report


def raw_rows(tmp_path: Path) -> list[tuple]:
    return duckdb.sql(
        f"select doc_id, case_number, court_code, judgment_date, publish_date, flags, text from '{tmp_path}/work/raw/judgments/*.parquet' order by doc_id"
    ).fetchall()


def quarantine(tmp_path: Path) -> list[dict]:
    return [orjson.loads(line) for path in sorted((tmp_path / "work/quarantine").glob("*.jsonl")) for line in path.read_bytes().splitlines()]


def test_good_records_in_every_container_and_encoding(tmp_path):
    scraper = tmp_path / "landing/scraper"
    write_jsonl(scraper / "plain.jsonl", [record("a")])
    write_jsonl(scraper / "bom.jsonl", [record("b")], bom=True)
    write_jsonl(scraper / "gbk.jsonl", [record("c")], encoding="gb18030")
    write_jsonl(scraper / "zipped.jsonl.gz", [record("d"), record("e")])
    (scraper / "array.json").write_text(json.dumps([record("f"), record("g")], ensure_ascii=False), encoding="utf-8")
    report = run(tmp_path)
    assert report.reconciles
    assert report.totals() | {} == {**report.totals(), "read": 7, "accepted": 7, "quarantined": 0}
    rows = raw_rows(tmp_path)
    assert [r[0] for r in rows] == list("abcdefg")
    assert all(r[1] == "（2017）沪0120刑初684号" and r[2] == "0120" and r[6] == TEXT for r in rows)


def test_bad_records_go_to_quarantine_with_reasons(tmp_path):
    lines = [
        record("ok"),
        '{"doc_id": "truncated", "te',
        record("../../etc/passwd"),
        record("ctl\u0001id"),
        record(12345),
        record("empty", text="<p>  </p>"),
        record("huge", text="字" * 3_000_000),
        record("typed", parties="张某"),
        record("baddate", judgment_date="2017-02-30"),
        "[1, 2]",
        {"something": "else"},
    ]
    write_jsonl(tmp_path / "landing/scraper/bad.jsonl", lines)
    report = run(tmp_path)
    totals = report.totals()
    assert report.reconciles and totals["read"] == 11 and totals["accepted"] == 1 and totals["quarantined"] == 10
    reasons = {entry["reason"] for entry in quarantine(tmp_path)}
    assert reasons == {
        "invalid_json", "unsafe_doc_id", "wrong_type:doc_id", "empty_text", "field_too_large:text",
        "wrong_type:parties", "invalid_date:judgment_date", "not_an_object", "unknown_format",
    }  # fmt: skip
    entry = next(e for e in quarantine(tmp_path) if e["reason"] == "invalid_json")
    assert entry["source_file"] == "scraper/bad.jsonl" and entry["source_line"] == 2 and "truncated" in entry["excerpt"]


def test_useful_records_are_kept_with_flags(tmp_path):
    lines = [
        record("future", judgment_date="2999-01-01"),
        record("ancient", judgment_date="1900-01-01"),
        record("backwards", judgment_date="2018-01-01", publish_date="2017-01-01"),
        record("markup", title="<script>alert(1)</script><b>张某盗窃案</b>", text="<div>正文<br/>第二段</div>"),
        record("dup"),
        record("dup", text=TEXT + "另一版本"),
    ]
    write_jsonl(tmp_path / "landing/scraper/flags.jsonl", lines)
    report = run(tmp_path)
    assert report.totals()["accepted"] == 6 and report.totals()["flagged"] == 5
    rows = {r[0]: r for r in raw_rows(tmp_path)}
    assert rows["future"][3] is None and "impossible_judgment_date" in rows["future"][5]
    assert rows["ancient"][3] is None
    assert rows["backwards"][4] is None and "publish_before_judgment" in rows["backwards"][5]
    assert rows["markup"][6] == "正文\n第二段"
    assert "conflicting_duplicate_id" in rows["dup"][5] or report.counter("flags")["conflicting_duplicate_id"] == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [("corrupt.jsonl.gz", b"\x1f\x8b\x08\x00garbage"), ("binary.jsonl", bytes(range(128, 256)) * 40)],
)
def test_unreadable_files_are_listed(tmp_path, name, data):
    path = tmp_path / "landing/scraper" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    report = run(tmp_path)
    assert report.reconciles and report.totals()["files_unreadable"] == 1
    assert [e["reason"] for e in quarantine(tmp_path)] == ["unreadable_file"]


def test_unchanged_files_are_not_parsed_again(tmp_path):
    write_jsonl(tmp_path / "landing/scraper/a.jsonl", [record("a"), "not json"])
    first = run(tmp_path)
    second = run(tmp_path)
    assert first.totals() == {**second.totals(), "files_unchanged": 0}
    assert second.totals()["files_unchanged"] == 1
    assert len(list((tmp_path / "work/raw/judgments").glob("*.parquet"))) == 1


def test_a_retry_after_a_crash_never_writes_over_a_committed_partition(tmp_path):
    """Crash after the raw partition was committed (a local work area links it) but before its
    manifest: the retry parses again and must leave the committed file's bytes alone."""
    import os

    write_jsonl(tmp_path / "landing/scraper/a.jsonl", [record("a"), record("b")])
    run(tmp_path)
    [partition] = (tmp_path / "work/raw/judgments").glob("*.parquet")
    committed = partition.read_bytes()
    pid = partition.stem
    leftover = tmp_path / "scratch" / "ingest" / pid
    leftover.mkdir(parents=True)
    os.link(partition, leftover / "part.parquet")  # what the crashed attempt left in scratch
    [manifest] = (tmp_path / "work").rglob(f"*{pid}*.json")
    manifest.unlink()
    again = run(tmp_path)  # a later ingested_at: the re-parsed partition has other bytes
    assert again.totals()["accepted"] == 2
    assert partition.read_bytes() == committed


def test_observations(tmp_path):
    good = {"schema": "wenshu.observation/1", "doc_id": "a", "checked_at": "2025-01-01T00:00:00Z", "status": "removed", "http_status": 404, "reason": "1"}
    write_jsonl(tmp_path / "landing/monitor/obs.jsonl", [good, {**good, "status": "gone"}, {**good, "checked_at": "2999-01-01T00:00:00Z"}])
    report = run(tmp_path)
    assert report.totals("observations") | {} == {**report.totals("observations"), "accepted": 1, "quarantined": 2}


def test_real_research_dump_files_are_read_without_loss(tmp_path, shared_data):
    """The real JuDGE/LeCaRD dumps are not our contract yet: nothing is lost, all is counted."""
    scraper = tmp_path / "landing/scraper"
    scraper.mkdir(parents=True)
    (scraper / "lecard.jsonl.gz").symlink_to(shared_data / "judgments" / "lecard_sample200.jsonl.gz")
    report = run(tmp_path)
    assert report.reconciles and report.totals()["read"] == 200
