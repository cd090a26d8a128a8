"""Integration fixtures: one temporary Prefect server for the whole session (it costs ~15 s)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_LOGGING_EXTRA_LOGGERS"] = "flows"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def workdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test with its scratch folder under tmp_path."""
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    from flows.settings import get_settings

    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
