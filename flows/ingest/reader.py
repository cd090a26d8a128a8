"""Read landing files into raw records, whatever their container and encoding.

Accepts ``.jsonl``, ``.json`` (an array, one object, or JSON Lines under the wrong name) and
either one gzipped. Text may be UTF-8 with or without BOM, or GB18030/GBK; the encoding is
decided per file from its opening bytes and then enforced line by line, so a line that does
not decode is rejected on its own instead of being guessed at.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from charset_normalizer import from_bytes

from flows.errors import SourceError

SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")
_UTF8_BOM = b"\xef\xbb\xbf"
_SNIFF_BYTES = 256 * 1024
_EXCERPT_CHARS = 160


@dataclass(frozen=True)
class RawRecord:
    """One record as found: its position, the parsed object, or why it could not be parsed."""

    line: int
    obj: Any = None
    error: str | None = None
    detail: str | None = None
    excerpt: str = ""


def is_landing_file(name: str) -> bool:
    return name.lower().endswith(SUFFIXES) and not name.rsplit("/", 1)[-1].startswith(".")


def excerpt(value: bytes | str, limit: int = _EXCERPT_CHARS) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    text = text[:limit]
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` for the opening bytes of a file; else SourceError."""
    if head.startswith(_UTF8_BOM):
        return "utf-8-sig"
    cut = head.rfind(b"\n") if len(head) >= _SNIFF_BYTES else len(head)
    sample = head[: cut if cut > 0 else len(head)]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SourceError(f"undecodable bytes at offset {exc.start}: neither UTF-8 nor GB18030") from exc
    best = from_bytes(sample).best()
    if best is None or best.encoding.replace("_", "").lower() not in {"gb18030", "gbk", "gb2312", "hz"}:
        guess = best.encoding if best else "nothing plausible"
        raise SourceError(f"not UTF-8, and GB18030 is not a confident reading (detector says {guess})")
    return "gb18030"


def _open_binary(path: Path, name: str) -> io.BufferedIOBase:
    if name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _parse_line(number: int, raw: bytes, encoding: str) -> RawRecord:
    if encoding == "utf-8":
        # orjson validates UTF-8 itself (as strictly as bytes.decode): parse the bytes without a
        # decoded copy, and only on failure take the slow path below to tell which error it is.
        try:
            return RawRecord(number, obj=orjson.loads(raw))
        except orjson.JSONDecodeError:
            pass
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return RawRecord(number, error="undecodable_line", detail=str(exc), excerpt=excerpt(raw))
    try:
        return RawRecord(number, obj=orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        return RawRecord(number, error="invalid_json", detail=str(exc), excerpt=excerpt(text))


def _split_lines(head: bytes, stream: io.BufferedIOBase, chunk_bytes: int = 1 << 20) -> Iterator[bytes]:
    """Lines of ``head`` followed by the rest of ``stream``, read in bounded chunks."""
    pending = head
    while True:
        *complete, pending = pending.split(b"\n")
        yield from complete
        chunk = stream.read(chunk_bytes)
        if not chunk:
            break
        pending += chunk
    if pending:
        yield pending


def record_of_line(number: int, raw: bytes, encoding: str) -> RawRecord | None:
    """The record on line ``number`` of a JSON Lines file (``raw`` without its ``\\n``); None if blank."""
    if number == 1 and raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM) :]
    if not raw or raw.isspace():
        return None
    return _parse_line(number, raw.rstrip(b"\r\n"), "utf-8" if encoding == "utf-8-sig" else encoding)


def _iter_lines(lines: Iterator[bytes], encoding: str) -> Iterator[RawRecord]:
    for number, raw in enumerate(lines, start=1):
        record = record_of_line(number, raw, encoding)
        if record is not None:
            yield record


def iter_records(path: Path, name: str) -> Iterator[RawRecord]:
    """Records of one landing file. Raises SourceError when the file as a whole is unreadable
    (corrupt gzip, undecodable encoding); records yielded before that stay valid."""
    try:
        with _open_binary(path, name) as stream:
            head = stream.read(_SNIFF_BYTES)
            encoding = detect_encoding(head)
            if name.lower().removesuffix(".gz").endswith(".json"):
                yield from _iter_json_document(head + stream.read(), encoding)
            else:
                yield from _iter_lines(_split_lines(head, stream), encoding)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"cannot read {name}: {exc}") from exc


def read_whole(path: Path, name: str, max_bytes: int) -> tuple[bytes, str] | None:
    """All of a landing file's (decompressed) bytes and their encoding, decided as
    :func:`iter_records` decides it; None when the file is larger than ``max_bytes`` or is not
    readable through to its end (:func:`iter_records` then says which records survive)."""
    chunks, size = [], 0
    try:
        with _open_binary(path, name) as stream:
            while chunk := stream.read(1 << 24):
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    return None
        data = b"".join(chunks)
        encoding = detect_encoding(data[:_SNIFF_BYTES])
    except (OSError, EOFError, zlib.error, SourceError):
        return None
    return data, encoding


def _iter_json_document(data: bytes, encoding: str) -> Iterator[RawRecord]:
    """A ``.json`` file: an array of records, a single record, or JSON Lines misnamed."""
    try:
        document = orjson.loads(data.decode(encoding))
    except (orjson.JSONDecodeError, UnicodeDecodeError):
        yield from _iter_lines(iter(data.split(b"\n")), encoding)
        return
    if isinstance(document, list):
        for index, item in enumerate(document, start=1):
            yield RawRecord(index, obj=item)
    else:
        yield RawRecord(1, obj=document)
