"""Where one run reads and writes: landing zone, public store, private work area, local scratch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from flows.errors import ConfigurationError
from flows.layout import safe_run_id
from flows.settings import get_settings
from flows.storage import Storage, open_storage


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass(frozen=True)
class RunContext:
    landing_url: str
    store_url: str
    work_url: str
    scratch_dir: Path
    run_id: str

    @classmethod
    def create(
        cls, landing: str | None = None, store: str | None = None, work: str | None = None, run_id: str | None = None
    ) -> RunContext:
        settings = get_settings()
        context = cls(
            landing_url=landing or settings.landing_url,
            store_url=store or settings.store_url,
            work_url=work or settings.work_url,
            scratch_dir=Path(settings.scratch_dir).absolute(),
            run_id=safe_run_id(run_id or new_run_id()),
        )
        if _same_place(context.store_url, context.work_url):
            raise ConfigurationError(
                f"store and work area must be different places (both are {context.store_url}): "
                "the store is public, the work area holds unpublished and quarantined data"
            )
        return context

    def __reduce__(self) -> tuple[type[RunContext], tuple[str, str, str, Path, str]]:
        # Tasks may run in other processes (process pool, Dask): send the URLs, never the open clients.
        return (RunContext, (self.landing_url, self.store_url, self.work_url, self.scratch_dir, self.run_id))

    @cached_property
    def landing(self) -> Storage:
        return open_storage(self.landing_url)

    @cached_property
    def store(self) -> Storage:
        return open_storage(self.store_url)

    @cached_property
    def work(self) -> Storage:
        return open_storage(self.work_url)

    @property
    def warehouse(self) -> Path:
        """The dbt DuckDB file: always local (DuckDB cannot write a database file on S3)."""
        if self.work_url.startswith("s3://"):
            return self.scratch_dir / "warehouse" / "wenshu.duckdb"
        return Path(self.work_url).absolute() / "warehouse" / "wenshu.duckdb"


def _same_place(a: str, b: str) -> bool:
    def norm(url: str) -> str:
        return url.rstrip("/") if url.startswith("s3://") else str(Path(url).absolute())

    na, nb = norm(a), norm(b)
    return na == nb or na.startswith(nb + "/") or nb.startswith(na + "/")
