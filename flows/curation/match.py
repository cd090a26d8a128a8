"""What the transform and the run report need from curation: the local raw folder and match rates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from flows import layout
from flows.curation.codebook import codebook_datasets, load_codebook
from flows.storage import Storage, cached_copy


def raw_curation_dir(work: Storage, cache_dir: Path) -> Path:
    """A local folder holding ``<dataset>/*.parquet`` for every curated dataset (downloaded if the work area is S3).

    Pass it to dbt as the ``raw_curation_dir`` variable. For a local work area this is
    ``<work>/raw/curation`` itself, which is also what the staging models assume by default.
    """
    for key in work.list(layout.CURATION_RAW_PREFIX):
        if key.endswith(".parquet"):
            cached_copy(work, key, cache_dir)
    from flows.storage.local import LocalStorage

    if isinstance(work, LocalStorage):
        return Path(work.duckdb_uri(layout.CURATION_RAW_PREFIX.rstrip("/")))
    return cache_dir / layout.CURATION_RAW_PREFIX.rstrip("/")


def match_rates(warehouse: Path) -> dict[str, dict[str, Any]]:
    """Per curated mart: rows, rows with a 案号, rows matched to a judgment, and the match rate."""
    rates = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for dataset in codebook_datasets():
            codebook = load_codebook(dataset)
            try:
                rows, numbered, matched = con.execute(
                    f"select count(*), count({codebook.case_number or 'null'}), count(*) filter (has_judgment) "
                    f'from "{codebook.table}"'
                ).fetchone()  # type: ignore[misc]
            except duckdb.CatalogException:
                continue
            rate = round(matched / numbered, 4) if numbered else None
            rates[dataset] = {"rows": rows, "with_case_number": numbered, "matched": matched, "match_rate": rate}
    return rates
