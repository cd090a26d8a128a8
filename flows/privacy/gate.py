"""The privacy gate: scan every file about to be published; refuse to publish if a name leaks.

Two things are looked for in every byte: the known canary names (planted in the synthetic
input in victim roles, see :mod:`flows.privacy.canaries`) and any protected role followed by an
unredacted full name. Parquet is read through DuckDB (its pages are compressed, so the raw
bytes say nothing); gzip is decompressed; text files are also read with JSON ``\\uXXXX`` escapes
and HTML entities decoded; any other file (images) has its raw bytes searched for the canaries.
A finding never repeats the full name: messages keep only the role and surname.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.duck import connect
from flows.errors import PublishError
from flows.privacy.canaries import CANARY_NAMES
from flows.privacy.names import ROLE_NAME_PATTERN
from flows.privacy.redact import sql_literal

TEXT_SUFFIXES = {
    ".csv",
    ".json",
    ".jsonl",
    ".html",
    ".htm",
    ".md",
    ".txt",
    ".xml",
    ".atom",
    ".rss",
    ".yaml",
    ".yml",
    ".svg",
    ".tsv",
}
_CHUNK = 1 << 22
_OVERLAP = 256
_ROLE_NAME = re.compile(ROLE_NAME_PATTERN)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


class PrivacyError(PublishError):
    """A file about to be published holds a canary name or an unredacted victim/witness name."""

    def __init__(self, message: str, findings: list[Finding]):
        super().__init__(message)
        self.findings = findings


@dataclass(frozen=True)
class Finding:
    path: str
    where: str  # "line 12", "column text", "bytes"
    kind: str  # canary | role_name
    masked: str  # role and surname only

    def __str__(self) -> str:
        return f"{self.path} ({self.where}): {self.kind} {self.masked}"


def mask(name: str) -> str:
    """Keep a role + name finding recognisable without repeating the name: 被害人张**."""
    match = _ROLE_NAME.search(name)
    if match:
        return match.group(1) + match.group(2) + match.group(3) + "*" * len(match.group(4))
    return name[:1] + "*" * (len(name) - 1)


def check_files(paths: Iterable[Path], canaries: Iterable[str] = CANARY_NAMES) -> None:
    """Raise :class:`PrivacyError` if any file holds a canary or a role + unredacted name."""
    _raise_for(scan_files(paths, canaries))


def check_bytes(documents: Iterable[tuple[str, bytes]], canaries: Iterable[str] = CANARY_NAMES) -> None:
    """:func:`check_files` for documents still in memory (pointers, catalog, pages, feeds): ``(name, bytes)``.

    The name's suffix says how to read the bytes, as for a file.
    """
    with tempfile.TemporaryDirectory(prefix="privacy-gate-") as folder:
        paths = []
        for index, (name, data) in enumerate(documents):
            path = Path(folder) / f"{index}-{Path(name).name}"
            path.write_bytes(data)
            paths.append(path)
        findings = scan_files(paths, canaries)
    _raise_for([Finding(f.path.split("/")[-1].split("-", 1)[1], f.where, f.kind, f.masked) for f in findings])


def _raise_for(findings: list[Finding]) -> None:
    if findings:
        listed = "; ".join(str(finding) for finding in findings[:10])
        raise PrivacyError(
            f"privacy gate: {len(findings)} file(s) would publish a protected name ({listed}); nothing was "
            "published: redact the column (flows.privacy.redaction_sql) or mark the codebook field for redaction",
            findings,
        )


def gate_fingerprint(canaries: Iterable[str] = CANARY_NAMES) -> str:
    """What decides whether the gate passes a Parquet file: its pattern, the code that scans
    (this module) and the regex engine running it. A file that passed under one fingerprint
    need not be scanned again under it."""
    pattern = _parquet_pattern(tuple(sorted({name for name in canaries if name})))
    digest = hashlib.sha256(f"{pattern}\0duckdb {duckdb.__version__}\0".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def _parquet_pattern(canaries: tuple[str, ...]) -> str:
    # One regular expression for the canaries and the role names: one pass over each value (a
    # search per canary cost more than the role-name pattern itself on full texts).
    return "|".join([*(re.escape(name) for name in canaries), ROLE_NAME_PATTERN])


def scan_files(paths: Iterable[Path], canaries: Iterable[str] = CANARY_NAMES) -> list[Finding]:
    """The first finding of each file that holds a canary or a role + unredacted name."""
    names = tuple(sorted({name for name in canaries if name}))
    findings = []
    for path in paths:
        finding = next(_scan(Path(path), names), None)
        if finding is not None:
            findings.append(finding)
    return findings


def _scan(path: Path, canaries: tuple[str, ...]) -> Iterator[Finding]:
    raw_canaries = [name.encode() for name in canaries]
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from _scan_parquet(path, canaries)
    elif suffix == ".gz":
        with gzip.open(path, "rb") as handle:
            yield from _scan_text(path, _chunks(handle), canaries)
    elif suffix in TEXT_SUFFIXES:
        with open(path, "rb") as handle:
            yield from _scan_text(path, _chunks(handle), canaries)
    else:
        data = path.read_bytes()
        for name, raw in zip(canaries, raw_canaries, strict=True):
            if raw in data:
                yield Finding(str(path), "bytes", "canary", mask(name))


def _chunks(handle: object) -> Iterator[bytes]:
    read = handle.read  # type: ignore[attr-defined]
    while chunk := read(_CHUNK):
        yield chunk


def _scan_text(path: Path, chunks: Iterable[bytes], canaries: tuple[str, ...]) -> Iterator[Finding]:
    """Search overlapping decoded windows, so a name split across two chunks is still found."""
    # one pass for all the canaries: a search per name read each window once per name (~3x slower)
    canary = re.compile("|".join(map(re.escape, canaries))) if canaries else None
    tail = b""
    offset = 0
    for chunk in chunks:
        data = tail + chunk
        text = data.decode("utf-8", errors="ignore")
        text = html.unescape(_UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
        where = f"near byte {offset}"
        found = canary.search(text) if canary else None
        if found:
            yield Finding(str(path), where, "canary", mask(found.group(0)))
        match = _ROLE_NAME.search(text)
        if match:
            yield Finding(str(path), where, "role_name", mask(match.group(0)))
        offset += len(data) - _OVERLAP
        tail = data[-_OVERLAP:]


def _scan_parquet(path: Path, canaries: tuple[str, ...]) -> Iterator[Finding]:
    source = f"read_parquet({sql_literal(str(path))})"
    pattern = _parquet_pattern(canaries)
    with connect() as con:
        columns = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
        for column in columns:
            value = f'cast("{column.replace(chr(34), chr(34) * 2)}" as varchar)'
            query = f"select {value} from {source} where regexp_matches({value}, {sql_literal(pattern)}) limit 1"
            hit = con.execute(query).fetchone()
            if hit is None:
                continue
            text = str(hit[0])
            leaked = next((name for name in canaries if name in text), None)
            if leaked is not None:
                yield Finding(str(path), f"column {column}", "canary", mask(leaked))
            else:
                match = _ROLE_NAME.search(text)
                yield Finding(str(path), f"column {column}", "role_name", mask(match.group(0) if match else text[:8]))
