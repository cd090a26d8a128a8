"""The landing gate on a raw layer in a real S3 server (moto), and GX's DuckDB bug, documented."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.records import JUDGMENT_SCHEMA
from flows.settings import get_settings
from flows.validate import validate_tables

TODAY = dt.date(2024, 6, 30)


def write_raw(path: Path, count: int) -> Path:
    """``count`` good raw records (the unit tests build bad ones too)."""
    captured = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    rows = []
    for i in range(count):
        text = f"安徽省怀远县人民法院刑事判决书 被告人甲{i}犯盗窃罪。"
        judged = dt.date(2016, 3, 1) + dt.timedelta(days=i)
        rows.append({
            "doc_id": f"doc-{i % 7}", "case_number": f"（2016）皖1622刑初{i}号", "case_year": 2016,
            "case_province_abbr": "皖", "court_code": "1622", "case_type_code": "刑初", "case_sequence": i,
            "case_number_style": "2016", "judgment_date": judged, "publish_date": judged + dt.timedelta(days=20),
            "parties_count": 2, "text": text, "text_chars": len(text),
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "flags": [],
            "source_format": "wenshu_jsonl", "source_file": "scraper/a.jsonl", "source_line": i + 1,
            "source_sha256": "ab" * 32, "captured_at": captured, "ingested_at": captured,
        })  # fmt: skip
    pq.write_table(pa.Table.from_pylist(rows, schema=JUDGMENT_SCHEMA), path)
    return path


@pytest.fixture()
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    get_settings.cache_clear()
    yield tmp_path / "scratch"
    get_settings.cache_clear()


def test_raw_gate_reads_parquet_from_s3(tmp_path: Path, scratch: Path, s3_bucket: str, s3_server: str) -> None:
    local = write_raw(tmp_path / "part.parquet", 25)
    bucket = s3_bucket.removeprefix("s3://")
    client = boto3.client("s3", endpoint_url=s3_server)
    client.upload_file(str(local), bucket, "work/raw/judgments/part.parquet")

    report = validate_tables({"raw_judgments": f"{s3_bucket}/work/raw/judgments/*.parquet"}, ["raw_judgments"], today=TODAY)
    assert [o.label() for _, o in report.failures(None)] == []
    assert report.passed
    assert list(scratch.glob("validate-*")) == [], "the scratch copy is removed afterwards"


def test_unpatched_gx_fails_every_duckdb_expectation_silently(tmp_path: Path) -> None:
    """Why flows/validate/gx_duckdb.py exists. If this starts failing, GX fixed DuckDB upstream."""
    code = textwrap.dedent(f"""
        import duckdb, great_expectations as gx
        path = {str(tmp_path / "t.duckdb")!r}
        duckdb.connect(path).execute("create table t as select range as id from range(10)").close()
        source = gx.get_context(mode="ephemeral").data_sources.add_sql("d", connection_string="duckdb:///" + path)
        batch = source.add_table_asset("t", table_name="t").add_batch_definition_whole_table("all").get_batch()
        result = batch.validate(gx.expectations.ExpectColumnValuesToNotBeNull(column="id"))
        errors = [v.get("exception_message") for v in result.exception_info.values() if isinstance(v, dict)]
        print(result.success, dict(result.result), errors)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip().splitlines()[-1] == "False {} ['list index out of range']"
