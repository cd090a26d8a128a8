"""The one settings object. Read from the environment (prefix ``WENSHU_``) once, on first use.

Nothing happens at import: folders are created by the code that writes into them.
Credentials are never settings: boto3 finds them through the usual AWS chain
(environment variables, ``~/.aws`` profiles, instance roles).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WENSHU_", extra="ignore")

    landing_url: str = Field("var/landing", description="Landing zone: a folder or s3://bucket/prefix.")
    store_url: str = Field("var/store", description="Public store: a folder or s3://bucket/prefix.")
    work_url: str = Field("var/work", description="Private work area: a folder or s3://bucket/prefix.")
    scratch_dir: Path = Field(
        Path("var/scratch"),
        description="Local folder for DuckDB files and temporary copies when the work area is on S3.",
    )
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, R2, Ceph…); unset means AWS.")
    s3_region: str | None = Field(None, description="Region for S3 requests; unset means the AWS default.")
    duckdb_memory_limit: str = Field(
        "2GB",
        description="DuckDB memory_limit for heavy steps (parallel workers split it; dbt gets half).",
    )
    duckdb_threads: int = Field(2, description="DuckDB worker threads.")
    duckdb_memory_share: int = Field(
        1,
        ge=1,
        description="Set by the task runner in its workers, not by hand: this process runs one of that many parallel "
        "tasks, so each DuckDB connection gets duckdb_memory_limit divided by it.",
    )
    ingest_batch_rows: int = Field(2000, description="Rows buffered per Parquet row group at ingest.")
    max_field_bytes: int = Field(2_000_000, description="Records with a text field longer than this are quarantined.")
    ingest_fast_path: Literal["off", "observations", "all"] = Field(
        "observations",
        description="Which landing files in our own JSONL contract DuckDB parses (docs/landing-contract.md): "
        "observations (the default), all (also judgments: exact, but not faster on two cores, where their texts "
        "are cleaned and read in Python either way) or off. Output is the Python parser's in every case; it still "
        "takes each record the fast path cannot vouch for. true/false mean observations/off.",
    )
    task_runner: Literal["threads", "processes", "dask"] = Field(
        "processes",
        description="How partition-level tasks (one per landing file, one per dataset) run in parallel: threads, "
        "processes (parsing is CPU-bound Python, so the default) or dask (a Dask cluster).",
    )
    task_workers: int = Field(2, ge=1, description="Parallel tasks for threads/processes, and workers of a local Dask cluster.")
    dask_address: str | None = Field(
        None, description="Scheduler address of an existing Dask cluster (tcp://host:8786); unset starts a local cluster."
    )

    @field_validator("ingest_fast_path", mode="before")
    @classmethod
    def _fast_path_switch(cls, value: object) -> object:
        """A plain switch works too: true is the default (observations), false is off."""
        if isinstance(value, str):
            value = _SWITCHES.get(value.lower(), value)
        if isinstance(value, bool):
            return "observations" if value else "off"
        return value


_SWITCHES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """``env`` set in this process's environment for the block, earlier values restored after."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
