"""The one storage interface: a flat key space of immutable or compare-and-swapped objects.

Keys are ``/``-separated relative paths built by :mod:`flows.layout` only. Two implementations
pass the same test suite: :class:`flows.storage.local.LocalStorage` (a folder) and
:class:`flows.storage.s3.S3Storage` (any S3-compatible bucket and prefix, through boto3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from flows.errors import StorageError, UnsafeNameError

# C0 and C1 control characters, DEL, the backslash, and percent-encoded slash, backslash, dot or NUL
# (which a proxy or a later decoding step could turn into a separator) never belong in a key.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\\]|%(?:2f|5c|2e|00)", re.IGNORECASE)
_MAX_KEY_BYTES = 1024  # the S3 limit, applied everywhere so both stores accept the same keys


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise :class:`UnsafeNameError`.

    Defence in depth besides :mod:`flows.layout`: no absolute keys, empty, ``.`` or ``..``
    segments, hidden (dot-leading) segments, backslashes, control characters or percent-encoded
    separators and dots.
    """
    if (
        not isinstance(key, str)
        or not key
        or len(key.encode("utf-8")) > _MAX_KEY_BYTES
        or _FORBIDDEN.search(key)
        or any(not part or part.startswith(".") for part in key.split("/"))
    ):
        raise UnsafeNameError(f"unsafe storage key {key!r}: keys are relative 'a/b/c' paths built by flows.layout")
    return key


def check_prefix(prefix: str) -> str:
    """Return a listing prefix (``""`` or a key start, optionally ending in ``/``) if safe."""
    if prefix:
        check_key(prefix.removesuffix("/"))
    return prefix


def check_offset(key: str, offset: int, size: int) -> None:
    """Refuse to resume a download of ``key`` from beyond its end."""
    if not 0 <= offset <= size:
        raise StorageError(
            f"cannot resume {key!r} from byte {offset}: the object has {size} bytes; delete the partial download and start again"
        )


@dataclass(frozen=True)
class Versioned:
    """An object's bytes with the token that a compare-and-swap must present to replace it."""

    data: bytes
    token: str


@runtime_checkable
class Storage(Protocol):
    url: str

    def get(self, key: str) -> bytes:
        """The object's bytes; raises ``KeyError`` if it does not exist."""

    def get_versioned(self, key: str) -> Versioned | None:
        """The object's bytes and CAS token, or ``None`` if it does not exist."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Size in bytes; raises ``KeyError`` if absent."""

    def stamp(self, key: str) -> str | None:
        """A cheap token that changes whenever the object's bytes do, read without reading them
        (size and mtime locally, size and ETag on S3); ``None`` if absent."""

    def put(self, key: str, data: bytes) -> None:
        """Blind overwrite. Only for the private work area, never for published objects."""

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Write only if no object exists at ``key``; ``False`` if one does. Atomic."""

    def put_file_if_absent(self, key: str, path: Path) -> bool:
        """Like :meth:`put_if_absent`, streaming a local file (multipart on S3). A local store may
        link ``path`` instead of copying it: never write that file in place afterwards."""

    def compare_and_swap(self, key: str, data: bytes, expected: str | None) -> bool:
        """Replace ``key`` only if its token is still ``expected`` (``None``: only if absent).

        Returns ``False`` when another writer got there first; the caller re-reads and retries.
        """

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix`` (a folder-like prefix, ``""`` for all), sorted."""

    def delete(self, key: str) -> None:
        """Remove ``key``; absent keys are not an error."""

    def download_file(self, key: str, path: Path, offset: int = 0) -> None:
        """Stream ``key`` into ``path``; with ``offset`` > 0, append bytes from that offset on."""

    def duckdb_uri(self, key: str) -> str:
        """A location DuckDB can read (a local path or an ``s3://`` URL)."""

    def public_url(self, key: str) -> str:
        """Where a consumer finds ``key`` (a ``file://`` path or the object's HTTP(S) URL)."""
