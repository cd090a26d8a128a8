"""wenshu_sha256, the raw gate's text hash, is DuckDB's sha256 computed by hashlib."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.validate.functions import _sha256_hex, register_functions

VALUES = ["", "被害人张某某于2015年", "a\x00b", "line\nbreak\r\n", "𠀀 astral", "x" * 100_000, None, "é" * 3]


def test_it_hashes_as_duckdb_does_nulls_and_all() -> None:
    with duckdb.connect() as con:
        register_functions(con)
        con.register("t", pa.table({"i": range(len(VALUES)), "v": VALUES}))
        ours, theirs = zip(*con.execute("select wenshu_sha256(v), sha256(v) from t order by i").fetchall(), strict=True)
        many = con.execute(  # many vectors, on every thread
            "select count(*) filter (where wenshu_sha256(s) = sha256(s)), count(*) "
            "from (select repeat('案', (i % 300)::int) || i::varchar as s from range(50000) r(i))"
        ).fetchone()
    assert ours == theirs and ours[VALUES.index(None)] is None
    assert many == (50000, 50000)


def test_it_reads_sliced_and_large_arrow_strings() -> None:
    expected = [None if v is None else hashlib.sha256(v.encode()).hexdigest() for v in VALUES]
    sliced = pa.array(["ignored", *VALUES]).slice(1)
    assert _sha256_hex(sliced).to_pylist() == expected
    assert _sha256_hex(pa.array(VALUES, pa.large_string())).to_pylist() == expected
    assert _sha256_hex(pa.chunked_array([VALUES[:3], VALUES[3:]])).to_pylist() == expected


def test_registering_again_on_the_same_database_is_harmless(tmp_path: Path) -> None:
    database = str(tmp_path / "x.duckdb")
    with duckdb.connect(database) as first, duckdb.connect(database) as second:
        register_functions(first)
        register_functions(second)  # DuckDB keeps the function per database: a second create would fail
        assert second.execute("select wenshu_sha256('')").fetchone() == (hashlib.sha256(b"").hexdigest(),)
    assert _sha256_hex(pa.array([], pa.string())).to_pylist() == []
