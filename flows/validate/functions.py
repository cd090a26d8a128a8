"""SQL functions our suites call, registered on the DuckDB connection Great Expectations queries.

``wenshu_sha256(text)`` is DuckDB's ``sha256(text)`` (the hex SHA-256 of the string's UTF-8
bytes) computed by Python's ``hashlib``. The raw gate hashes every text it admits, 12 GB at a
million judgments. DuckDB's own implementation hashes ~320 MB/s here; ``hashlib`` (OpenSSL, with
the CPU's SHA extensions) ~1.1 GB/s a core, and it releases the GIL while it hashes, so DuckDB's
threads still hash side by side: on two threads, 1.5 GB of texts hashed in 2.8 s against 5.8 s,
and the raw gate's text check at a million judgments took 25.0 s against 32.4 s. The loop over a
vector's values is Python's, but each turn hashes a whole text (~12 KB on average).
"""

from __future__ import annotations

import hashlib
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from duckdb.func import PythonUDFType

SHA256 = "wenshu_sha256"


def register_functions(connection: duckdb.DuckDBPyConnection) -> None:
    """Add the suites' functions to ``connection``'s database, unless another connection to it did."""
    registered = connection.execute("select 1 from duckdb_functions() where function_name = ?", [SHA256]).fetchone()
    if registered is None:
        connection.create_function(SHA256, _sha256_hex, ["varchar"], "varchar", type=PythonUDFType.ARROW, side_effects=False)


def register_on_engine(engine: Any) -> None:
    """Register the functions on the one DuckDB connection of a SQLAlchemy engine with a
    ``StaticPool`` (what Great Expectations keeps for DuckDB: see ``gx_duckdb``)."""
    proxied = engine.raw_connection()
    try:
        register_functions(proxied.driver_connection)  # duckdb-engine's wrapper passes it to DuckDB
    finally:
        proxied.close()  # back to the pool, still open


def _sha256_hex(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The hex SHA-256 of each value's UTF-8 bytes, read from the Arrow buffers (no str objects)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    hashed: list[str | None] = []
    for chunk in chunks:
        if not len(chunk):  # some producers leave an empty array without an offsets buffer
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            chunk = chunk.cast(pa.string())
        _, offsets_buffer, data_buffer = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buffer, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1].tolist()
        data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
        valid = chunk.is_valid().to_pylist() if chunk.null_count else [True] * len(chunk)
        hashed += [
            hashlib.sha256(data[start:stop]).hexdigest() if present else None
            for start, stop, present in zip(offsets[:-1], offsets[1:], valid, strict=True)
        ]
    return pa.array(hashed, pa.string())
