"""Export mart tables from the DuckDB warehouse to the files a package publishes.

Rows are written in primary-key order with fixed settings, so the same table content always
gives the same bytes; a table's content hash is the sha256 of its Parquet export and is what
decides whether anything changed since the last version.

Sorting whole rows is what a wide table (gigabytes of full texts) cannot afford in a worker's
share of memory, so only the keys are sorted whole: one pass redacts the table and spills it
to Parquet files by range of its first key (ranges small enough to sort in a quarter of the
memory limit, found from the keys alone; DuckDB's ``PARTITION_BY`` writes them, or for a wide
table Arrow batches routed in Python, 2.5x faster there), then each range is sorted on its own
and appended. CSV ranges are DuckDB's CSV, concatenated under one header; Parquet ranges stream
into one pyarrow writer that closes a row group at a fixed row or byte count. Neither depends
on how many ranges there were (that follows the memory limit), so the bytes do not either.

Redaction is a regular expression over every text, the costliest part of an export. A column
its dbt model already redacts with the same SQL (``redacted_by_model`` in ``datapackage.yaml``:
the full texts) is published as stored. The privacy gate still scans every published byte, so
a model that did not redact would stop the publish, not leak a name.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import shutil
from collections.abc import Callable, Collection
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows import layout
from flows.checksums import sha256_file
from flows.duck import connect, memory_limit, memory_limit_bytes
from flows.privacy import redacted_query, redaction_sql
from flows.publish.row_groups import ParallelFileWriter
from flows.settings import get_settings

log = logging.getLogger(__name__)

# Frictionless reads ISO 8601 datetimes; DuckDB's default CSV rendering is not.
_CSV_OPTIONS = "FORMAT csv, DELIMITER ',', QUOTE '\"', TIMESTAMP_FORMAT '%Y-%m-%dT%H:%M:%S.%fZ', DATEFORMAT '%Y-%m-%d'"
ROW_GROUP_ROWS = 100_000
ROW_GROUP_BYTES = 64 << 20  # of values (string bytes, 8 per other value): ~5,000 full texts
_BATCH_ROWS = 2048
_RANGE_SHARE = 4  # a range to sort holds at most this fraction of the memory limit
_ROUTE_SHARE = 12  # routing a wide spill keeps ~3x this fraction of the sort budget (outside DuckDB's limit)
_SAMPLE = "using sample 5 percent (system)"  # vectors, not rows: a wide table is not read whole to size it
REDACTION_KEY = "wenshu:redaction"  # Parquet key-value metadata: how stored texts became published ones
# every export query orders explicitly; timestamps render in UTC whatever the machine's zone
EXPORT_SESSION = "set preserve_insertion_order = false; set TimeZone = 'UTC'"


@dataclass(frozen=True)
class ExportedFile:
    resource: str
    fmt: str
    path: Path  # local file
    package_path: str  # path inside the package, e.g. data/judgments.csv
    bytes: int
    sha256: str
    rows: int
    scan: Path | None = None  # what the privacy gate must read of it, if not the whole file (see flows.publish.carry)

    @classmethod
    def written(
        cls, resource: str, fmt: str, out_dir: Path, rows: int, scan: Path | None = None, sha256: str | None = None
    ) -> ExportedFile:
        """The file of ``resource`` as ``fmt`` just written under ``out_dir``: its size, and its sha256
        read from it unless the writer hashed its bytes as it wrote them (``sha256``)."""
        package_path = layout.resource_path(resource, fmt)
        path = out_dir / package_path
        return cls(resource, fmt, path, package_path, path.stat().st_size, sha256 or sha256_file(path), rows, scan)


def redaction_fingerprint() -> str:
    """What decides how a stored value becomes a published one: the redaction SQL and the regex
    engine running it. A Parquet export carries it, so that a delta can tell whether a column's
    stored hash still stands for its published value (see :mod:`flows.publish.deltas`)."""
    return hashlib.sha256(f"{redaction_sql('value')}\0duckdb {duckdb.__version__}".encode()).hexdigest()[:16]


def export_table(
    warehouse: Path,
    relation: str,
    resource: str,
    formats: list[str],
    order_by: list[str],
    out_dir: Path,
    *,
    content_hashes: dict[str, str] | None = None,
    redacted_by_model: Collection[str] = (),
    also: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
) -> list[ExportedFile]:
    """Write ``relation`` as each of ``formats`` under ``out_dir/data/``; deterministic bytes.

    A table with ``content_hashes`` (text column → its hash column) holds full texts: it is
    spilled as a wide one (see the module), its texts as bytes (see :func:`_route_batches`).
    Columns in ``redacted_by_model`` are published as stored: their dbt model redacted them.
    ``also`` is called with the export's connection to the warehouse before it spills, for other
    work on the table (a carry's row signatures): no second connection, whose memory the
    process would keep while the export runs.
    """
    out_dir.joinpath("data").mkdir(parents=True, exist_ok=True)
    spill = out_dir / "spill" / resource
    shutil.rmtree(spill, ignore_errors=True)
    spill.parent.mkdir(parents=True, exist_ok=True)
    texts = list(content_hashes or {})
    try:
        with connect(warehouse, read_only=True) as con:  # the configured memory limit: exports spill, never swell
            con.execute(EXPORT_SESSION)
            if also is not None:
                also(con)
            rows = con.execute(f"select count(*) from {_ident(relation)}").fetchone()[0]  # type: ignore[index]
            published = redacted_query(con, relation, redacted_by_model)
            ranges = _spill_by_key_range(con, relation, published, order_by[0], rows, spill, texts=texts)
            if not ranges:  # no rows: the table's empty select gives the files their columns
                empty = [f"select * from ({published}) where false"]
                return _write_formats(con, {"csv": empty, "parquet": empty}, resource, formats, out_dir, rows, texts=texts)
        # The ranges are files now. A connection of its own sorts them: the warehouse's, closed,
        # takes the table blocks it cached while spilling (390 MB of a million texts) with it.
        order = ", ".join(_ident(column) for column in order_by)
        source = "read_parquet({}, hive_partitioning = false)"
        as_text = ", ".join(f"decode({_ident(name)}) as {_ident(name)}" for name in texts)  # UTF-8 again, checked
        queries = {  # the texts come back as bytes: Arrow views them as strings again, a CSV decodes them
            fmt: [f"select {columns} from {source.format(_literal(part))} order by {order}" for part in ranges]
            for fmt, columns in (("parquet", "*"), ("csv", f"* replace ({as_text})" if texts else "*"))
        }
        with connect() as con:
            con.execute(EXPORT_SESSION)
            return _write_formats(con, queries, resource, formats, out_dir, rows, texts=texts)
    finally:
        shutil.rmtree(spill.parent, ignore_errors=True)


def _write_formats(
    con: duckdb.DuckDBPyConnection,
    queries: dict[str, list[str]],
    resource: str,
    formats: list[str],
    out_dir: Path,
    rows: int,
    *,
    texts: Collection[str],
) -> list[ExportedFile]:
    """Write the rows of ``queries[fmt]`` (in order) as each of ``formats``; ``texts``: the full-text
    columns of a wide table (the Parquet queries may give them as bytes)."""
    exported = []
    for fmt in formats:
        target = out_dir / layout.resource_path(resource, fmt)
        sha256 = None
        if fmt == "csv":
            _write_csv(con, queries[fmt], target)
        else:
            sha256 = _write_parquet(con, queries[fmt], target, texts=texts)
        exported.append(ExportedFile.written(resource, fmt, out_dir, rows, sha256=sha256))
        log.info("exported resource=%s format=%s rows=%d bytes=%d ranges=%d", resource, fmt, rows, exported[-1].bytes,
                 len(queries[fmt]))  # fmt: skip
    return exported


def _spill_by_key_range(
    con: duckdb.DuckDBPyConnection, relation: str, published: str, key: str, rows: int, spill: Path, *, texts: list[str]
) -> list[str]:
    """Write ``published`` (the select of ``relation`` as published) to Parquet files under
    ``spill``, a folder per range of ``key``, in one pass; the globs of the ranges' files, in key
    order. The rows of a wide table (one with full-text columns, ``texts``) are routed to their
    files by :func:`_route_by_range`."""
    table, column = _ident(relation), _ident(key)
    width = _row_bytes_sql(con, relation)
    sampled = con.execute(f"select avg({width}) from {table} {_SAMPLE}").fetchone()[0]  # type: ignore[index]
    if sampled is None:  # too few vectors to sample: small enough to measure
        sampled = con.execute(f"select avg({width}) from {table}").fetchone()[0]  # type: ignore[index]
    row_bytes = max(1, int(sampled or 1))
    budget = memory_limit_bytes() // _RANGE_SHARE
    count = max(1, math.ceil(rows * row_bytes / budget))
    # the bounds: quantiles of the key column alone (no wide column is sorted), in a variable
    fractions = ", ".join(str(i / count) for i in range(1, count)) or "0.5"
    con.execute(
        f"set variable __bounds = (select list_sort(list_distinct(quantile_disc({column}, [{fractions}]))) "
        f"from {table} where {count} > 1)"
    )
    ranges = 1 + con.execute("select coalesce(len(getvariable('__bounds')), 0)").fetchone()[0]  # type: ignore[index]
    # a range is how many bounds are <= the key; null keys sort last, so they go to the last range
    position = f"if(t.{column} is null, {ranges - 1}, len(list_filter(getvariable('__bounds'), b -> b <= t.{column})))"
    ranged = f"select t.*, {position if ranges > 1 else '0'} as __range from ({published}) t"
    if texts:
        _route_by_range(con, ranged, ranges, spill, budget // _ROUTE_SHARE, texts)
    else:
        flush = max(64, budget // (ranges * row_bytes * max(1, get_settings().duckdb_threads)))  # rows a range buffers
        con.execute(f"set partitioned_write_flush_threshold = {flush}; set partitioned_write_max_open_files = {min(ranges, 100)}")
        con.execute(f"copy ({ranged}) to {_literal(str(spill))} (FORMAT parquet, COMPRESSION lz4_raw, PARTITION_BY (__range))")
    log.info("export %s: %d rows of ~%d bytes in %d key ranges", relation, rows, row_bytes, ranges)
    return [str(spill / f"__range={i}" / "*.parquet") for i in range(ranges) if (spill / f"__range={i}").is_dir()]


def _route_by_range(
    con: duckdb.DuckDBPyConnection, ranged: str, ranges: int, spill: Path, budget: int, texts: Collection[str] = ()
) -> None:
    """Write the rows of ``ranged`` (its last column, ``__range``, says which range a row is in) to
    ``spill/__range=N/part.parquet``, routing Arrow batches in Python.

    DuckDB's own ``PARTITION_BY`` write took 98 s for a million full texts (12 GB) in 49 ranges,
    against 16 s for the same rows in one file; routing them here took 39 s. Rows wait in memory
    until their range holds its part of ``budget``, then become row groups of that size.
    The batches, the waiting rows and the writers live outside DuckDB's memory limit (330 MB
    more at peak, at a million texts), so DuckDB, which only streams here, gets half its share,
    unless tasks run as threads: the limit is the database instance's, which parallel exports in
    one process share.
    """
    shrink = get_settings().task_runner != "threads"
    if shrink:
        con.execute(f"set memory_limit = '{memory_limit_bytes() // 2}B'")
    try:
        _route_batches(con.execute(ranged).to_arrow_reader(_BATCH_ROWS), ranges, spill, budget, texts)
    finally:
        if shrink:
            con.execute(f"set memory_limit = '{memory_limit()}'")


def _route_batches(reader: pa.RecordBatchReader, ranges: int, spill: Path, budget: int, texts: Collection[str] = ()) -> None:
    """Route ``reader``'s rows; about three times ``budget`` stays in memory (waiting rows, and
    what the open writers keep), plus a batch or two.

    Each range's rows are copied out of the batch on their own (a slice would keep the whole
    batch alive while they wait), so what waits is what is counted. The ``texts`` columns are
    spilled as bytes (a view, not a copy): DuckDB checks every string it reads from Parquet for
    valid UTF-8, and not a blob. These are strings DuckDB gave, and checking them again took half
    the time of sorting a range (3.9 s against 2.0 s for 1.7 GB of texts)."""
    schema = pa.schema([field for field in reader.schema if field.name != "__range"])
    spilled = _retyped(schema, texts, _AS_BYTES)
    limit = max(1, budget // ranges)
    pending: list[list[pa.RecordBatch]] = [[] for _ in range(ranges)]
    sizes = [0] * ranges
    with ExitStack() as writers_open:
        writers: dict[int, pq.ParquetWriter] = {}

        def flush(index: int) -> None:
            if index not in writers:
                folder = spill / f"__range={index}"
                folder.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(folder / "part.parquet", spilled, compression="lz4", use_dictionary=False)
                writers[index] = writers_open.enter_context(writer)
            table = pa.Table.from_batches(pending[index], spilled)
            # an open writer keeps about two row groups' bytes: groups no bigger than a range's part
            writers[index].write_table(table, row_group_size=max(1, limit * table.num_rows // max(1, table.nbytes)))
            pending[index], sizes[index] = [], 0

        for batch in reader:
            position = batch.column(batch.num_columns - 1).to_numpy(zero_copy_only=False)
            rows = _viewed(batch.select(schema.names), spilled)
            order = np.argsort(position, kind="stable")
            keys = position[order]
            cuts = np.flatnonzero(np.diff(keys)) + 1
            for start, stop in zip(np.r_[0, cuts], np.r_[cuts, len(keys)], strict=True):
                if start == stop:  # an empty batch
                    continue
                index, piece = int(keys[start]), rows.take(pa.array(order[start:stop]))
                pending[index].append(piece)
                sizes[index] += piece.nbytes
                if sizes[index] >= limit:
                    flush(index)
        for index in range(ranges):
            if pending[index]:
                flush(index)


def _row_bytes_sql(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """A row's size, roughly: the bytes of its text columns, 8 for any other value."""
    columns = con.execute(f"describe {_ident(relation)}").fetchall()
    terms = [f"coalesce(strlen({_ident(name)}), 0)" if kind == "VARCHAR" else "8" for name, kind, *_ in columns]
    return " + ".join(terms) or "0"


def _write_csv(con: duckdb.DuckDBPyConnection, queries: list[str], target: Path) -> None:
    """The ranges as DuckDB CSV, concatenated: the same bytes as one CSV of the whole table.
    One range is written straight to ``target``: there is nothing to concatenate."""
    parts = []
    for index, query in enumerate(queries):
        part = target if len(queries) == 1 else target.with_name(f".{target.name}.{index}")
        con.execute(f"copy ({query}) to {_literal(str(part))} ({_CSV_OPTIONS}, HEADER {str(index == 0).lower()})")
        parts.append(part)
    if len(queries) == 1:
        return
    with open(target, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
            part.unlink()


def _write_parquet(con: duckdb.DuckDBPyConnection, queries: list[str], target: Path, *, texts: Collection[str]) -> str:
    """Write the rows of ``queries`` (in order) to ``target``; the file's sha256."""
    readers = (con.execute(query).to_arrow_reader(_BATCH_ROWS) for query in queries)  # one query at a time
    first = next(readers)
    schema = _retyped(first.schema, texts, _AS_STRINGS)  # texts spilled as bytes are strings again
    with _RowGroupWriter(target, schema, wide=bool(texts)) as writer:
        for reader in itertools.chain([first], readers):
            for batch in reader:
                writer.add(_viewed(batch, schema))
    return writer.sha256


def writer_settings() -> str:
    """What, besides the rows, decides the bytes of a Parquet export."""
    return f"rows {ROW_GROUP_ROWS} bytes {ROW_GROUP_BYTES} zstd 3 wide: batch 1 pyarrow {pa.__version__}"


class _RowGroupWriter:
    """One Parquet file whose row groups close at ``ROW_GROUP_ROWS`` rows or ``ROW_GROUP_BYTES``
    bytes of values, whichever comes first, however the rows arrive in batches.

    pyarrow cuts pages between the mini-batches it writes a chunk in (``write_batch_size``), so a
    row group's bytes depend on how its rows were chunked. Narrow rows are copied into one
    contiguous table first. ``wide`` rows (a table of full texts, gigabytes) are written a value
    at a time instead, which no chunking can change, at the same speed for long values (on 31
    short columns it would cost 3x); they skip the copy when their batches are ``compact`` (the
    carry's, read from a Parquet file), and keep it otherwise: batches from DuckDB may hold slack
    that the copy frees before the write (a full run at a million texts peaked 125 MB higher
    without it, at the 3 GB limit).

    Row groups are compressed (most of a write, and it releases the GIL) on as many threads as
    DuckDB gets, while the caller gathers the next (:mod:`flows.publish.row_groups`: the same
    bytes, in order); DuckDB is idle while a batch is taken from it. At a million judgments, beside
    cjo-availability's publish, the texts' Parquet write took 38 s instead of 54 s.
    """

    def __init__(self, target: Path, schema: pa.Schema, *, wide: bool = False, compact: bool = False):
        self.schema = schema.with_metadata({REDACTION_KEY: redaction_fingerprint()})
        self.copy = not (wide and compact)
        self.writer = ParallelFileWriter(target, self.schema, get_settings().duckdb_threads, compression="zstd",
                                         compression_level=3, write_batch_size=1 if wide else None)  # see writer_settings  # fmt: skip
        self.pending: list[pa.RecordBatch] = []
        self.rows = self.bytes = 0

    @property
    def sha256(self) -> str:
        """The finished file's sha256 (hashed as it was written)."""
        return self.writer.sha256

    def add(self, batch: pa.RecordBatch) -> None:
        """Append ``batch``."""
        self.add_pieces([batch], _value_bytes(batch))

    def add_pieces(self, pieces: list[pa.RecordBatch], sizes: np.ndarray) -> None:
        """Append ``pieces`` (slices, not copies) in order; ``sizes``: the value bytes of their
        rows, one piece after another. A merge hands over a batch's worth of pieces at once: at
        a million judgments one call per piece cost 2.4 s of the judgments' carry, which cuts
        its batches into 42,000 pieces around the changed rows."""
        ends = np.cumsum([piece.num_rows for piece in pieces])
        start = 0
        while start < len(sizes):
            window = sizes[start : start + ROW_GROUP_ROWS - self.rows]
            reached = np.flatnonzero(np.cumsum(window) + self.bytes >= ROW_GROUP_BYTES)
            take = int(reached[0]) + 1 if reached.size else len(window)
            self.pending += _rows_between(pieces, ends, start, start + take)
            self.rows, self.bytes, start = self.rows + take, self.bytes + int(window[:take].sum()), start + take
            if reached.size or self.rows == ROW_GROUP_ROWS:
                self._flush()

    def _flush(self) -> None:
        if self.rows:  # pages never depend on how the batches were cut (see the class)
            group = pa.Table.from_batches(self.pending, self.schema)
            self.writer.write_table(group.combine_chunks() if self.copy else group)
        self.pending, self.rows, self.bytes = [], 0, 0

    def __enter__(self) -> _RowGroupWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Finish the file, or after an error leave it unfinished (no footer: unreadable)."""
        if kind is not None:
            self.writer.abort()
            return
        try:
            self._flush()
        except BaseException:
            self.writer.abort()
            raise
        self.writer.close()


def _rows_between(pieces: list[pa.RecordBatch], ends: np.ndarray, start: int, stop: int) -> list[pa.RecordBatch]:
    """Rows ``start:stop`` of ``pieces`` taken one after another (``ends``: where each piece
    ends), as the pieces and slices of them that hold them."""
    found = []
    for index in range(int(np.searchsorted(ends, start, side="right")), len(pieces)):
        begin = int(ends[index]) - pieces[index].num_rows
        if begin >= stop:
            break
        low, high = max(start, begin) - begin, min(stop, int(ends[index])) - begin
        found.append(pieces[index] if (low, high) == (0, pieces[index].num_rows) else pieces[index].slice(low, high - low))
    return found


# the same buffers, typed as bytes or as strings (a spill's texts, see _route_batches)
_AS_BYTES = {pa.string(): pa.binary(), pa.large_string(): pa.large_binary()}
_AS_STRINGS = {kind: text for text, kind in _AS_BYTES.items()}


def _retyped(schema: pa.Schema, names: Collection[str], types: dict[pa.DataType, pa.DataType]) -> pa.Schema:
    """``schema`` with the columns ``names`` retyped by ``types`` (those of another type kept)."""
    return pa.schema([field.with_type(types.get(field.type, field.type)) if field.name in names else field for field in schema],
                     metadata=schema.metadata)  # fmt: skip


def _viewed(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` as ``schema``, whose types differ from its own only as _AS_BYTES has them: a view."""
    if batch.schema.equals(schema):
        return batch
    columns = [
        column if column.type == field.type else column.view(field.type)
        for column, field in zip(batch.columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _value_bytes(batch: pa.RecordBatch) -> np.ndarray:
    sizes = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_binary(column.type) or pa.types.is_large_string(column.type):
            sizes += pc.fill_null(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
        else:
            sizes += 8
    return sizes


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
