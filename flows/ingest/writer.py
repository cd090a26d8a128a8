"""Bounded-memory writers for one landing file's accepted rows and rejected records."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq


def attempt_folder(parent: Path, partition_id: str) -> Path:
    """A new folder under ``parent`` for one attempt at a partition's files.

    Never the same folder twice: a crashed attempt's files, or those of a file with the same
    bytes ingested beside this one, may be linked into the work area (a local store links them)
    and must never be written over.
    """
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{partition_id[:16]}-", dir=parent))


class PartitionWriter:
    """Streams rows into one Parquet file, a row group every ``batch_rows`` rows."""

    def __init__(self, path: Path, schema: pa.Schema, batch_rows: int):
        self.path, self.schema, self.batch_rows = path, schema, batch_rows
        self.rows_written = 0
        self._pending: list[dict[str, Any]] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def add(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        if len(self._pending) >= self.batch_rows:
            self.flush()

    def add_batches(self, batches: Iterable[pa.RecordBatch]) -> None:
        """Rows already in Arrow (cast to the schema), in row groups of ``batch_rows`` as :meth:`add` makes them."""
        self.flush()
        buffer = self.schema.empty_table()
        for batch in batches:
            buffer = pa.concat_tables([buffer, pa.Table.from_batches([batch]).cast(self.schema)])
            while buffer.num_rows >= self.batch_rows:
                self._write(buffer.slice(0, self.batch_rows))
                buffer = buffer.slice(self.batch_rows)
        if buffer.num_rows:
            self._write(buffer)

    def flush(self) -> None:
        if self._pending:
            self._write(pa.Table.from_pylist(self._pending, schema=self.schema))
            self._pending.clear()

    def _write(self, table: pa.Table) -> None:
        self._writer.write_table(table.combine_chunks())
        self.rows_written += table.num_rows

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.flush()
        self._writer.close()


class QuarantineWriter:
    """Appends one JSON line per rejected record: where it was, why, and a short excerpt."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(path, "wb")

    def add(self, entry: dict[str, Any]) -> None:
        self._handle.write(orjson.dumps(entry) + b"\n")
        self.count += 1

    def __enter__(self) -> QuarantineWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self._handle.close()
