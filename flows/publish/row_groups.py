"""Write a Parquet file's row groups on several threads, with the bytes one writer would write.

pyarrow compresses a column chunk on the thread that writes it, so a file of one big column (the
full texts, 12 GB at a million judgments) compresses on one core. Here each row group is written
as a file of its own on a worker thread; the row groups' bytes are then appended to the target in
order, and the footer is the first one's with every row group listed and its offsets moved to
where its bytes now start. Nothing in a page depends on where its row group lies in the file, so
the result is the file a single ``pq.ParquetWriter`` writes (the tests compare them byte for byte).

The footer is Thrift's compact protocol (parquet.thrift's ``FileMetaData``), decoded here into
plain tuples and encoded again as Thrift writes it. The offsets a footer can hold beyond those
moved here (page indexes, bloom filters, encryption) are refused, so a writer that starts to
write them fails the export instead of publishing a wrong file; pyarrow writes none of them
with the settings exports use. A row group's ordinal, where the writer sets one, is renumbered.
``close`` reads the finished footer back with pyarrow and checks its row and row-group counts.
After an error, in a row group or in the caller (``with``), the file gets no footer: it is
unreadable, never a valid file with rows missing.
"""

from __future__ import annotations

import hashlib
import struct
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

MAGIC = b"PAR1"
# compact protocol type ids
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)
_INTS = (_BYTE, _I16, _I32, _I64)

# Field ids in parquet.thrift
_FILE_NUM_ROWS, _FILE_ROW_GROUPS = 3, 4  # FileMetaData
_GROUP_ORDINAL = 7  # RowGroup


class _Layout(NamedTuple):
    """Where a footer struct holds absolute file offsets, which of its fields this module cannot
    move, and which of its fields are structs (or lists of them) of another layout."""

    offsets: frozenset[int]
    refused: dict[int, str]
    nested: dict[int, str]


_LAYOUTS = {
    "RowGroup": _Layout(frozenset({5}), {}, {1: "ColumnChunk"}),  # file_offset; columns
    "ColumnChunk": _Layout(
        frozenset({2}),  # file_offset
        {4: "offset index", 6: "column index", 8: "column encryption", 9: "encrypted metadata"},
        {3: "ColumnMetaData"},  # meta_data
    ),
    "ColumnMetaData": _Layout(frozenset({9, 10, 11}), {14: "bloom filter"}, {}),  # data, index, dictionary page
}

Field = tuple[int, int, Any]  # (field id, type, value); a struct is a list of them, in order


class UnsupportedFooter(ValueError):
    """A footer holding offsets this module does not move."""


def decode_footer(data: bytes) -> list[Field]:
    """The ``FileMetaData`` struct of a serialized footer."""
    value, end = _read_struct(memoryview(data), 0)
    if end != len(data):
        raise ValueError(f"footer has {len(data) - end} trailing bytes")
    return value


def encode_footer(fields: list[Field]) -> bytes:
    out = bytearray()
    _write_struct(out, fields)
    return bytes(out)


def footer_of(data: bytes | memoryview) -> tuple[bytes, int]:
    """The serialized footer of a whole Parquet file in memory, and where it starts."""
    if bytes(data[:4]) != MAGIC or bytes(data[-4:]) != MAGIC:
        raise ValueError("not a Parquet file")
    (length,) = struct.unpack("<I", data[-8:-4])
    start = len(data) - 8 - length
    return bytes(data[start:-8]), start


class ParallelFileWriter:
    """Append row groups (Arrow tables) to ``target`` as one ``pq.ParquetWriter(target, schema,
    **options)`` would write them, each compressed on one of ``threads`` threads while the caller
    gathers the next. At most ``threads`` row groups are in flight, besides the one being gathered."""

    def __init__(self, target: Path, schema: pa.Schema, threads: int, **options: Any):
        self.target, self.schema, self.options = target, schema, options
        self.threads = max(1, threads)
        self.out: BinaryIO = open(target, "wb")  # noqa: SIM115  (closed by close())
        self._digest = hashlib.sha256()  # of every byte written: the finished file's, without reading it back
        self._write(MAGIC)
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="parquet-write")
        self.in_flight: deque[Future[pa.Buffer]] = deque()
        self.footers: list[list[Field]] = []
        self.failed = False  # a row group is missing: the file never gets a footer

    def __enter__(self) -> ParallelFileWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Finish the file, or after an error only stop: a file without its footer reads as no file."""
        if kind is None:
            self.close()
        else:
            self.abort()

    def write_table(self, table: pa.Table) -> None:
        """Add ``table`` as the next row group."""
        if self.failed:
            raise ValueError(f"{self.target}: a row group failed; nothing more is written")
        self.in_flight.append(self.pool.submit(self._one_group_file, table))
        while len(self.in_flight) > self.threads:
            self._append_next()

    def close(self) -> None:
        """Finish the file once every row group in flight is in it (an error in one is raised here)."""
        try:
            while self.in_flight:
                self._append_next()
            if self.failed:
                raise ValueError(f"{self.target}: a row group failed; the file is not finished")
            rows, groups = self._finish()
        finally:
            self.abort()
        written = pq.read_metadata(self.target)  # what a reader makes of the footer written here
        if (written.num_rows, written.num_row_groups) != (rows, groups):
            raise ValueError(f"{self.target}: the footer lists {written.num_row_groups} row groups of "
                             f"{written.num_rows} rows, not {groups} of {rows}")  # fmt: skip

    @property
    def sha256(self) -> str:
        """The sha256 of the bytes written so far: the file's, once :meth:`close` has returned."""
        return self._digest.hexdigest()

    def _write(self, data: bytes | memoryview) -> None:
        self.out.write(data)
        self._digest.update(data)

    def abort(self) -> None:
        """Stop: the row groups in flight are dropped and the file is left without a footer."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.out.close()

    def _append_next(self) -> None:
        try:
            self._append(self.in_flight.popleft().result())
        except BaseException:
            self.failed = True
            raise

    def _one_group_file(self, table: pa.Table | None) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        with pq.ParquetWriter(sink, self.schema, **self.options) as writer:
            if table is not None:
                writer.write_table(table, row_group_size=max(table.num_rows, 1))
        return sink.getvalue()

    def _append(self, file: pa.Buffer) -> None:
        """Append a one-row-group file's row group; keep its footer, offsets moved to match."""
        data = memoryview(file)
        footer, start = footer_of(data)
        fields = decode_footer(footer)
        element, groups = _value(fields, _FILE_ROW_GROUPS)
        shift = self.out.tell() - len(MAGIC)
        self.footers.append(_replace(fields, _FILE_ROW_GROUPS, (element, [_moved(group, shift) for group in groups])))
        self._write(data[len(MAGIC) : start])

    def _finish(self) -> tuple[int, int]:
        """Write the footer; the rows and row groups it lists."""
        if not self.footers:  # nothing written: the footer of a file without row groups
            self._append(self._one_group_file(None))
        groups: list[list[Field]] = []
        for fields in self.footers:
            for group in _value(fields, _FILE_ROW_GROUPS)[1]:
                groups.append(_replace(group, _GROUP_ORDINAL, len(groups)) if _has(group, _GROUP_ORDINAL) else group)
        rows = sum(_value(fields, _FILE_NUM_ROWS) for fields in self.footers)
        merged = _replace(_replace(self.footers[0], _FILE_NUM_ROWS, rows), _FILE_ROW_GROUPS, (_STRUCT, groups))
        footer = encode_footer(merged)
        self._write(footer)
        self._write(struct.pack("<I", len(footer)))
        self._write(MAGIC)
        return rows, len(groups)


def _moved(fields: list[Field], shift: int, layout: str = "RowGroup") -> list[Field]:
    """A struct of ``layout`` (a ``RowGroup`` by default) whose bytes moved ``shift`` bytes further
    into the file. An offset of 0 is not set (no such page; pyarrow leaves a chunk's own 0)."""
    offsets, refused, nested = _LAYOUTS[layout]
    moved: list[Field] = []
    for fid, kind, value in fields:
        if fid in refused:
            raise UnsupportedFooter(f"a column chunk has a {refused[fid]}")
        if fid in offsets and value:
            value += shift
        elif fid in nested and kind == _STRUCT:
            value = _moved(value, shift, nested[fid])
        elif fid in nested:  # a list of them
            value = (value[0], [_moved(item, shift, nested[fid]) for item in value[1]])
        moved.append((fid, kind, value))
    return moved


def _has(fields: list[Field], fid: int) -> bool:
    return any(field[0] == fid for field in fields)


def _value(fields: list[Field], fid: int) -> Any:
    return next((value for field, _, value in fields if field == fid), None)


def _replace(fields: list[Field], fid: int, value: Any) -> list[Field]:
    if not _has(fields, fid):
        raise ValueError(f"footer has no field {fid}")
    return [(field, kind, value if field == fid else old) for field, kind, old in fields]


# --- Thrift compact protocol -------------------------------------------------------------------


def _read_varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _read_zigzag(data: memoryview, pos: int) -> tuple[int, int]:
    raw, pos = _read_varint(data, pos)
    return (raw >> 1) ^ -(raw & 1), pos


def _read_value(data: memoryview, pos: int, kind: int) -> tuple[Any, int]:
    if kind in (_TRUE, _FALSE):  # a bool inside a list: one byte
        return data[pos] == _TRUE, pos + 1
    if kind == _BYTE:
        return struct.unpack_from("<b", data, pos)[0], pos + 1
    if kind in _INTS:
        return _read_zigzag(data, pos)
    if kind == _DOUBLE:
        return struct.unpack_from("<d", data, pos)[0], pos + 8
    if kind == _BINARY:
        length, pos = _read_varint(data, pos)
        return bytes(data[pos : pos + length]), pos + length
    if kind in (_LIST, _SET):
        header = data[pos]
        pos += 1
        size, element = header >> 4, header & 0x0F
        if size == 15:
            size, pos = _read_varint(data, pos)
        items = []
        for _ in range(size):
            item, pos = _read_value(data, pos, element)
            items.append(item)
        return (element, items), pos
    if kind == _STRUCT:
        return _read_struct(data, pos)
    raise ValueError(f"Thrift type {kind} is not in a Parquet footer")


def _read_struct(data: memoryview, pos: int) -> tuple[list[Field], int]:
    fields: list[Field] = []
    last = 0
    while True:
        header = data[pos]
        pos += 1
        kind = header & 0x0F
        if kind == _STOP:
            return fields, pos
        delta = header >> 4
        if delta:
            fid = last + delta
        else:
            fid, pos = _read_zigzag(data, pos)
        if kind in (_TRUE, _FALSE):  # a bool field's value is its type
            value: Any = kind == _TRUE
        else:
            value, pos = _read_value(data, pos, kind)
        fields.append((fid, kind, value))
        last = fid


def _write_varint(out: bytearray, value: int) -> None:
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _write_zigzag(out: bytearray, value: int) -> None:
    _write_varint(out, (value << 1) ^ (value >> 63))


def _write_value(out: bytearray, kind: int, value: Any) -> None:
    if kind in (_TRUE, _FALSE):
        out.append(_TRUE if value else _FALSE)
    elif kind == _BYTE:
        out += struct.pack("<b", value)
    elif kind in _INTS:
        _write_zigzag(out, value)
    elif kind == _DOUBLE:
        out += struct.pack("<d", value)
    elif kind == _BINARY:
        _write_varint(out, len(value))
        out += value
    elif kind in (_LIST, _SET):
        element, items = value
        if len(items) < 15:
            out.append(len(items) << 4 | element)
        else:
            out.append(0xF0 | element)
            _write_varint(out, len(items))
        for item in items:
            _write_value(out, element, item)
    elif kind == _STRUCT:
        _write_struct(out, value)
    else:
        raise ValueError(f"Thrift type {kind} is not in a Parquet footer")


def _write_struct(out: bytearray, fields: list[Field]) -> None:
    last = 0
    for fid, kind, value in fields:
        wire = (_TRUE if value else _FALSE) if kind in (_TRUE, _FALSE) else kind
        if 0 < fid - last <= 15:
            out.append((fid - last) << 4 | wire)
        else:
            out.append(wire)
            _write_zigzag(out, fid)
        if kind not in (_TRUE, _FALSE):
            _write_value(out, kind, value)
        last = fid
    out.append(_STOP)
