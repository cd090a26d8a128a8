"""Ingest of every real capture shape and of files in other encodings: formats are counted per
record, nothing is lost, and an encoding that is not UTF-8 or GB18030 is refused, not guessed."""

import json
import shutil

import duckdb

from flows.ingest import ingest_landing
from flows.storage import open_storage

TEXT = "安徽省蒙城县人民法院\n刑事判决书\n（2016）皖1622刑初433号\n公诉机关蒙城县人民检察院。\n被告人甲某犯盗窃罪……\n审判员乙\n二〇一六年十二月二十日\n书记员丙"


def _run(tmp_path):
    return ingest_landing(open_storage(str(tmp_path / "landing")), open_storage(str(tmp_path / "work")), tmp_path / "scratch")


def test_every_real_shape_is_detected_and_kept(tmp_path, shared_data):
    scraper = tmp_path / "landing/scraper"
    scraper.mkdir(parents=True)
    shutil.copy(shared_data / "judgments/judge_test.jsonl", scraper / "judge.jsonl")
    shutil.copy(shared_data / "judgments/lecard_sample200.jsonl.gz", scraper / "lecard.jsonl.gz")
    shutil.copy(shared_data / "raw_cjo/sample1.json", scraper / "app.json")  # one pretty-printed object
    shutil.copy(shared_data / "raw_cjo/sample3.json", scraper / "web.json")
    page = (shared_data / "raw_cjo/content.xhr").read_text(encoding="utf-8")
    (scraper / "page.jsonl").write_text(json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8")
    report = _run(tmp_path)
    assert report.reconciles and report.totals()["quarantined"] == 0
    assert report.counter("formats") == {
        "judge_dump": 501,
        "lecard_dump": 200,
        "cjo_app": 1,
        "cjo_web_api": 1,
        "cjo_legacy_page": 1,
    }
    missing = duckdb.sql(
        f"select count(*) filter (court_name is null), count(*) filter (judgment_date is null), count(*) filter (document_type is null)"
        f" from '{tmp_path}/work/raw/judgments/*.parquet'"
    ).fetchone()
    assert missing is not None and max(missing) <= 0.01 * 704


def test_gbk_file_is_read_as_gbk(tmp_path):
    path = tmp_path / "landing/scraper/gbk.jsonl"
    path.parent.mkdir(parents=True)
    lines = [json.dumps({"doc_id": f"g{i}", "text": TEXT}, ensure_ascii=False) for i in range(50)]
    path.write_bytes("\n".join(lines).encode("gbk"))
    report = _run(tmp_path)
    assert report.totals()["accepted"] == 50
    rows = duckdb.sql(f"select distinct court_name, text from '{tmp_path}/work/raw/judgments/*.parquet'").fetchall()
    assert rows == [("安徽省蒙城县人民法院", TEXT)]


def test_big5_file_is_refused_not_misread(tmp_path):
    path = tmp_path / "landing/scraper/big5.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps({"doc_id": "b", "text": "臺灣臺北地方法院刑事判決書"}, ensure_ascii=False).encode("big5"))
    report = _run(tmp_path)
    assert report.totals()["files_unreadable"] == 1 and report.totals()["accepted"] == 0
    assert "GB18030 is not a confident reading" in (report.files[0].error or "")


def test_judgment_date_recovered_from_text_is_checked_like_a_captured_one(tmp_path):
    path = tmp_path / "landing/scraper/future.jsonl"
    path.parent.mkdir(parents=True)
    future = TEXT.replace("二〇一六年", "二〇九九年")
    path.write_text(json.dumps({"doc_id": "f", "text": future}, ensure_ascii=False), encoding="utf-8")
    report = _run(tmp_path)
    assert report.totals()["flagged"] == 1 and report.counter("flags") == {"impossible_judgment_date": 1}
