"""DuckDB connections: settings applied, and s3:// through the offline httpfs wheel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows.duck import connect, httpfs_path
from flows.settings import get_settings
from flows.storage.s3 import S3Storage


@pytest.fixture()
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    monkeypatch.setenv("WENSHU_DUCKDB_THREADS", "3")
    monkeypatch.setenv("WENSHU_DUCKDB_MEMORY_LIMIT", "300MB")
    get_settings.cache_clear()
    yield tmp_path / "scratch"
    get_settings.cache_clear()


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> str:
    # A literal, not a bound parameter: binding Python values makes duckdb import pandas (~2 s).
    row = con.execute(f"select current_setting('{name}')").fetchone()
    assert row is not None
    return str(row[0])


def test_connect_applies_settings(scratch: Path, tmp_path: Path) -> None:
    with connect() as con:
        assert _setting(con, "threads") == "3"
        assert _setting(con, "memory_limit") == "286.1 MiB"  # 300 MB in DuckDB's units
        assert Path(_setting(con, "temp_directory")).parent == scratch / "duckdb-tmp"
        assert _setting(con, "autoinstall_known_extensions") == "False"
        assert con.execute("select 42").fetchone() == (42,)
    database = tmp_path / "db" / "marts.duckdb"
    with connect(database) as con:
        con.execute("create table t as select 1 as x")
    assert database.is_file()
    with connect(database, read_only=True) as con:
        assert con.execute("select x from t").fetchone() == (1,)


def test_httpfs_ships_with_the_wheel() -> None:
    assert httpfs_path().is_file()


def test_parquet_round_trip_on_s3(s3_bucket: str, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "duck-secret-value-5678")
    uri = f"{s3_bucket}/raw/t.parquet"
    with connect(s3=True) as con:
        con.execute(
            f"copy (select range as i, '案' || range as s from range(1000)) to '{uri}' (format parquet)"
        )
        assert con.execute(f"select count(*), sum(i), max(s) from read_parquet('{uri}')").fetchone() == (
            1000,
            499500,
            "案999",
        )
        loaded = con.execute(
            "select loaded, installed from duckdb_extensions() where extension_name = 'httpfs'"
        ).fetchone()
        assert loaded == (True, False)  # loaded from the wheel, never installed or downloaded
        assert "duck-secret-value-5678" not in str(con.execute("select * from duckdb_secrets()").fetchall())
    store = S3Storage.from_url(s3_bucket)
    assert store.exists("raw/t.parquet")
    assert store.duckdb_uri("raw/t.parquet") == uri
    assert not (scratch / "duckdb-extensions").exists()


def test_parquet_reads_are_not_cached_in_duckdb_memory(scratch: Path, tmp_path: Path) -> None:
    """Every file is read once: a copy kept in the buffer pool would only take an export's memory."""
    path = tmp_path / "texts.parquet"
    cached = "select coalesce(sum(memory_usage_bytes), 0) from duckdb_memory() where tag = 'EXTERNAL_FILE_CACHE'"
    read = f"select sum(length(text)) from read_parquet('{path}')"
    with duckdb.connect() as plain:  # DuckDB's default keeps what it read
        plain.execute(f"copy (select repeat('判', 200) || i as text from range(200000) t(i)) to '{path}' (FORMAT parquet)")
        plain.execute(read)
        assert plain.execute(cached).fetchone()[0] > 0  # type: ignore[index]
    with connect() as con:
        assert con.execute(read).fetchone()[0] > 0  # type: ignore[index]
        assert con.execute(cached).fetchone()[0] == 0  # type: ignore[index]


def test_every_duckdb_instance_spills_into_a_folder_of_its_own(scratch: Path, tmp_path: Path) -> None:
    """DuckDB names its spill files alike in every instance and deletes them when it closes."""
    database = tmp_path / "w.duckdb"
    with connect() as one, connect() as two, connect(database) as three, connect(database) as same:
        folders = [_setting(con, "temp_directory") for con in (one, two, three, same)]
        spilled = "select count(*) from (select i, repeat('x', 200) || i as s from range(400000) t(i) order by s desc)"
        one.execute("set memory_limit = '40MB'; set threads = 1")
        assert one.execute(spilled).fetchone() == (400000,)
        assert Path(folders[0]).is_dir()  # it spilled there
    assert len(set(folders[:3])) == 3 and folders[3] == folders[2]  # one instance per file in a process
    assert not list((scratch / "duckdb-tmp").iterdir())  # each removed its folder when it closed
