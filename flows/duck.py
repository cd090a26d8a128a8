"""DuckDB connections configured from the settings, with offline ``s3://`` support.

``httpfs`` is loaded from the ``duckdb-extension-httpfs`` wheel installed beside duckdb (a plain
``INSTALL httpfs`` would download at run time), and an S3 secret is made from the credentials
boto3 resolves through the AWS default chain. Extension auto-install is off, so DuckDB never
reaches for the network on its own.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import itertools
import logging
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from flows.errors import ConfigurationError
from flows.settings import get_settings

log = logging.getLogger(__name__)


def connect(database: str | Path = ":memory:", *, s3: bool = False, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection with this process's share of the memory limit (:func:`memory_limit`), the
    configured threads and spill folder (under scratch).

    With ``s3=True`` the connection can also read and write ``s3://`` URLs (see :func:`enable_s3`).
    """
    settings = get_settings()
    scratch = Path(settings.scratch_dir).absolute()
    (scratch / "duckdb-tmp").mkdir(parents=True, exist_ok=True)  # DuckDB creates one level only
    temp_directory = scratch / "duckdb-tmp" / _spill_folder(database)
    if str(database) != ":memory:" and not read_only:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(database),
        read_only=read_only,
        config={
            "memory_limit": memory_limit(),
            "threads": settings.duckdb_threads,
            "temp_directory": str(temp_directory),
            "extension_directory": str(scratch / "duckdb-extensions"),
            "autoinstall_known_extensions": False,
            # DuckDB keeps what it reads of Parquet files in its buffer pool, for a second read we
            # never make (every file is read once, and local): 356 MB of an export's memory share
            "enable_external_file_cache": False,
        },
    )
    if s3:
        try:
            enable_s3(con)
        except BaseException:
            con.close()
            raise
    return con


_IN_MEMORY = itertools.count()


def _spill_folder(database: str | Path) -> str:
    """A spill folder for one DuckDB instance, which creates it and removes it when it closes.

    DuckDB names its spill files the same in every instance (``duckdb_temp_storage_DEFAULT-0.tmp``)
    and a closing instance deletes them, so two instances (parallel workers, or an export's sort
    beside the warehouse) must never share a folder. Connections to the same file in one process
    share an instance, and must ask for it with the same settings: its folder follows the path.
    """
    if str(database) == ":memory:":  # every in-memory connection is an instance of its own
        return f"{os.getpid()}-memory-{next(_IN_MEMORY)}"
    path = Path(database).absolute()
    return f"{os.getpid()}-{path.stem}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"


_MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|bytes|[kmgt]i?b)\s*", re.IGNORECASE)
_UNITS = (
    {"b": 1, "bytes": 1}
    | {f"{p}b": 1000**i for i, p in enumerate("kmgt", 1)}
    | {f"{p}ib": 1024**i for i, p in enumerate("kmgt", 1)}
)


def memory_limit() -> str:
    """``duckdb_memory_limit`` divided by ``duckdb_memory_share``: parallel task workers (each with
    connections of its own) split one budget instead of each taking all of it."""
    settings = get_settings()
    return settings.duckdb_memory_limit if settings.duckdb_memory_share == 1 else f"{memory_limit_bytes()}B"


def memory_limit_bytes() -> int:
    """This process's share of the DuckDB memory budget, in bytes (for sizing work to fit it)."""
    settings = get_settings()
    match = _MEMORY.fullmatch(settings.duckdb_memory_limit)
    if match is None:
        raise ConfigurationError(
            f"WENSHU_DUCKDB_MEMORY_LIMIT must be a size such as 2GB or 1536MiB, got {settings.duckdb_memory_limit!r}"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()]) // settings.duckdb_memory_share


def httpfs_path() -> Path:
    """The httpfs binary shipped by the ``duckdb-extension-httpfs`` wheel for this duckdb."""
    try:
        root = Path(str(importlib.resources.files("duckdb_extension_httpfs")))
    except ModuleNotFoundError:
        root = Path("<duckdb-extension-httpfs is not installed>")
    path = root / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if not path.is_file():
        raise ConfigurationError(
            f"no httpfs extension for duckdb {duckdb.__version__} at {path}: install "
            "duckdb-extension-httpfs of the same version as duckdb (uv sync)"
        )
    return path


def enable_s3(con: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs offline and create the S3 secret from settings and boto3's credentials."""
    con.execute(f"LOAD {_literal(str(httpfs_path()))}")
    settings = get_settings()

    import boto3

    session = boto3.session.Session(region_name=settings.s3_region)
    options = {"TYPE": "s3", "REGION": session.region_name or "us-east-1"}
    credentials = session.get_credentials()
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    if frozen is not None and frozen.access_key and frozen.secret_key:
        options["KEY_ID"] = frozen.access_key
        options["SECRET"] = frozen.secret_key
        if frozen.token:
            options["SESSION_TOKEN"] = frozen.token
    if settings.s3_endpoint_url:
        endpoint = urlsplit(settings.s3_endpoint_url)
        if endpoint.scheme not in ("http", "https") or not endpoint.netloc:
            raise ConfigurationError(
                f"WENSHU_S3_ENDPOINT_URL must look like http(s)://host:port, got {settings.s3_endpoint_url!r}"
            )
        options |= {
            "ENDPOINT": endpoint.netloc,
            "URL_STYLE": "path",
            "USE_SSL": "true" if endpoint.scheme == "https" else "false",
        }
    body = ", ".join(f"{name} {value if name in ('TYPE', 'USE_SSL') else _literal(value)}" for name, value in options.items())
    try:
        con.execute(f"CREATE OR REPLACE SECRET wenshu_s3 ({body})")
    except duckdb.Error as exc:  # the message could quote the statement, secret included
        raise ConfigurationError(f"DuckDB refused the S3 secret ({type(exc).__name__})") from None
    log.debug(
        "duckdb s3 enabled endpoint=%s region=%s credentials=%s",
        settings.s3_endpoint_url or "aws",
        options["REGION"],
        "yes" if "SECRET" in options else "anonymous",
    )


def _literal(value: str) -> str:
    """A SQL string literal (DDL such as CREATE SECRET takes no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"
