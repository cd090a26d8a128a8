"""Storage: one interface, a local-folder and an S3 implementation, chosen by URL."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.storage.base import Storage, Versioned


def open_storage(url: str) -> Storage:
    """``s3://bucket/prefix`` opens an :class:`S3Storage`; anything else is a local folder."""
    if url.startswith("s3://"):
        from flows.storage.s3 import S3Storage

        return S3Storage.from_url(url)
    if "://" in url and not url.startswith("file://"):
        from flows.errors import ConfigurationError

        raise ConfigurationError(f"unsupported storage URL {url!r}: use a folder path or s3://bucket/prefix")
    from flows.storage.local import LocalStorage

    return LocalStorage(url.removeprefix("file://"))


__all__ = ["Storage", "Versioned", "cached_copy", "local_copy", "open_storage"]


@contextmanager
def local_copy(storage: Storage, key: str, scratch: Path) -> Iterator[Path]:
    """A local file holding ``key``: the file itself for a local store, else a temporary download."""
    from flows.storage.local import LocalStorage

    if isinstance(storage, LocalStorage):
        yield Path(storage.duckdb_uri(key))
        return
    scratch.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=scratch, suffix="-" + key.rsplit("/", 1)[-1])
    os.close(handle)
    try:
        storage.download_file(key, Path(name))
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def cached_copy(storage: Storage, key: str, cache_dir: Path) -> Path:
    """A local path for an immutable ``key`` (content-addressed), downloaded once into ``cache_dir``."""
    from flows.storage.local import LocalStorage

    if isinstance(storage, LocalStorage):
        return Path(storage.duckdb_uri(key))
    target = cache_dir / key
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        storage.download_file(key, partial)
        os.replace(partial, target)
    return target
