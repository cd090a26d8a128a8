"""Scale-out: the pipeline's partition tasks on a 2-worker Dask cluster, landing/work/store on S3.

The same landing zone is run twice against the in-process S3 server: once on the default
runner (a local process pool) and once on a local Dask cluster (prefect-dask's DaskTaskRunner).
Both stores must hold the same published bytes: every data file, delta and chart identical,
and the descriptors listing the same resources with the same sizes and hashes (only the
timestamps of the runs differ).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from flows.pipeline import runners
from flows.publish.consume import verify_store
from flows.storage import open_storage

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("prefect"), pytest.mark.usefixtures("prefect_server")]


def _upload(folder: Path, url: str) -> int:
    storage = open_storage(url)
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in files:
        storage.put(path.relative_to(folder).as_posix(), path.read_bytes())
    return len(files)


def _published(url: str) -> dict[str, bytes]:
    store = open_storage(url)
    return {key: store.get(key) for key in store.list()}


def _content(files: dict[str, bytes]) -> dict[str, object]:
    """What must not depend on how the run was scheduled: data, deltas, charts, and what descriptors list."""
    content: dict[str, object] = {key: data for key, data in files.items() if "/data/" in key or "/charts/" in key}
    for key, data in files.items():
        if key.endswith("/datapackage.json"):
            content[key] = orjson.loads(data)["resources"]
    return content


def test_a_dask_cluster_publishes_the_same_bytes(workdirs: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.pipeline.run_flow import run_flow
    from flows.settings import get_settings
    from flows.synth import generate_landing
    from flows.synth.curation import generate_curation

    generate_landing(workdirs / "landing", judgments=60, seed=5, observations=True)
    generate_curation(workdirs / "landing", 5)
    assert _upload(workdirs / "landing", f"{s3_bucket}/landing") >= 4
    used: list[str] = []
    chosen = runners.task_runner

    def spy(settings=None):  # type: ignore[no-untyped-def]
        runner = chosen(settings)
        used.append(type(runner).__name__)
        return runner

    monkeypatch.setattr(runners, "task_runner", spy)

    default = run_flow(f"{s3_bucket}/landing", f"{s3_bucket}/store-default", f"{s3_bucket}/work-default")
    monkeypatch.setenv("WENSHU_TASK_RUNNER", "dask")
    monkeypatch.setenv("WENSHU_TASK_WORKERS", "2")
    get_settings.cache_clear()
    try:
        on_dask = run_flow(f"{s3_bucket}/landing", f"{s3_bucket}/store-dask", f"{s3_bucket}/work-dask")
    finally:
        monkeypatch.delenv("WENSHU_TASK_RUNNER")
        get_settings.cache_clear()

    assert used == ["ProcessPoolTaskRunner"] * 2 + ["DaskTaskRunner"] * 2  # ingest and publish, each run
    assert default["status"] == on_dask["status"] == "succeeded"
    assert default["ingest"]["totals"] == on_dask["ingest"]["totals"]
    first, second = _published(f"{s3_bucket}/store-default"), _published(f"{s3_bucket}/store-dask")
    assert sorted(first) == sorted(second)
    assert any(key.endswith("judgments.parquet") for key in first) and any("/charts/" in key for key in first)
    assert _content(first) == _content(second)
    assert verify_store(open_storage(f"{s3_bucket}/store-dask"), workdirs / "scratch").ok
