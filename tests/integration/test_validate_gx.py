"""The landing gate on a raw layer in a real S3 server (moto), and GX's DuckDB bug, documented."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from flows.settings import get_settings
from flows.validate import validate_tables
from tests.unit.test_validate import TODAY, judgment, write_raw


@pytest.fixture()
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    get_settings.cache_clear()
    yield tmp_path / "scratch"
    get_settings.cache_clear()


def test_raw_gate_reads_parquet_from_s3(tmp_path: Path, scratch: Path, s3_bucket: str, s3_server: str) -> None:
    local = write_raw(tmp_path / "raw", [judgment(i) for i in range(25)])
    bucket = s3_bucket.removeprefix("s3://")
    client = boto3.client("s3", endpoint_url=s3_server)
    client.upload_file(local.replace("*", "part"), bucket, "work/raw/judgments/part.parquet")

    report = validate_tables(
        {"raw_judgments": f"{s3_bucket}/work/raw/judgments/*.parquet"}, ["raw_judgments"], today=TODAY
    )
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
