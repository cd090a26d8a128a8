"""flows.pipeline.prefect_db: a new Prefect database is a copy of a migrated template, which Prefect serves as it is."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prefect.settings import (
    PREFECT_API_DATABASE_CONNECTION_URL,
    PREFECT_API_URL,
    PREFECT_HOME,
    get_current_settings,
    temporary_settings,
)

from flows.pipeline import prefect_db
from flows.pipeline.startup import _TemporaryServer, prefect_server
from flows.storage.local import LocalStorage

# one worker builds the template (Prefect's migrations) for all of them
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("prefect_db")]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prefect_db.build_template(tmp_path_factory.mktemp("template") / "prefect-test.db")


@contextmanager
def _database(url: str, template: Path, monkeypatch: pytest.MonkeyPatch, home: Path | None = None) -> Iterator[None]:
    """Prefect's database at ``url``, ``template`` as the template; a home of the test's own, and
    no API URL (a session's test harness may have set one)."""
    monkeypatch.setattr(prefect_db, "template_path", lambda: template)
    updates = {PREFECT_API_DATABASE_CONNECTION_URL: url} | ({PREFECT_HOME: str(home)} if home else {})
    with temporary_settings(updates=updates, restore_defaults={PREFECT_API_URL}):  # type: ignore[arg-type]
        yield


def _revision(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        (revision,) = connection.execute("select version_num from alembic_version").fetchone()
    connection.close()
    return str(revision)


def test_the_template_is_one_migrated_file(template: Path) -> None:
    assert not template.with_name(template.name + "-wal").exists()
    with sqlite3.connect(template) as connection:
        tables = {name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")}
        (mode,) = connection.execute("pragma journal_mode").fetchone()
    connection.close()
    assert {"flow_run", "task_run", "alembic_version"} <= tables
    assert mode == "delete"
    assert _revision(template)


def test_a_new_database_starts_from_the_template_and_prefect_serves_it(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "home" / "prefect.db"
    database.parent.mkdir()
    with _database(f"sqlite+aiosqlite:///{database}", template, monkeypatch, home=database.parent):
        assert prefect_db.configured_sqlite_file() == database
        assert prefect_db.seed_from_template()
        assert database.read_bytes() == template.read_bytes()
        assert list(database.parent.iterdir()) == [database]  # the staged copy is gone
        assert not prefect_db.seed_from_template()  # it exists now
        server = _TemporaryServer(get_current_settings().to_environment_variables(exclude_unset=True))
        try:
            server.start()
            url = server.wait(timeout=120)
        finally:
            server.stop()
    assert url.startswith("http://127.0.0.1:")
    assert _revision(database) == _revision(template)  # Prefect found nothing to migrate


def test_only_a_sqlite_file_that_does_not_exist_is_seeded(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"someone's database")
    with _database(f"sqlite+aiosqlite:///{existing}", template, monkeypatch):
        assert not prefect_db.seed_from_template()
    assert existing.read_bytes() == b"someone's database"

    leftover = tmp_path / "removed.db"
    leftover.with_name("removed.db-wal").write_bytes(b"the log of a removed database")
    with _database(f"sqlite+aiosqlite:///{leftover}", template, monkeypatch):
        assert not prefect_db.seed_from_template()  # SQLite could replay that log into the copy
    assert not leftover.exists()

    with _database(f"sqlite+aiosqlite:///{tmp_path / 'missing-folder' / 'prefect.db'}", template, monkeypatch):
        assert not prefect_db.seed_from_template()

    for url in ("postgresql+asyncpg://prefect@db/prefect", "sqlite+aiosqlite:///:memory:",
                "sqlite+aiosqlite:///file:prefect?mode=memory&cache=shared&uri=true"):  # fmt: skip
        with _database(url, template, monkeypatch):
            assert prefect_db.configured_sqlite_file() is None
            assert not prefect_db.seed_from_template()

    fresh = tmp_path / "fresh.db"
    with _database(f"sqlite+aiosqlite:///{fresh}", tmp_path / "no-template.db", monkeypatch):
        assert not prefect_db.seed_from_template()  # an installation without make setup: Prefect migrates
    assert not fresh.exists()


def test_a_command_on_a_new_home_starts_its_server_on_the_template(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marked = tmp_path / "marked.db"
    marked.write_bytes(template.read_bytes())
    with sqlite3.connect(marked) as connection:
        connection.execute("create table seeded_from_the_template (x int)")
    connection.close()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(prefect_db, "template_path", lambda: marked)
    # Prefect's own default database: the file under its home
    with temporary_settings(updates={PREFECT_HOME: str(home)}, restore_defaults={PREFECT_API_DATABASE_CONNECTION_URL, PREFECT_API_URL}):  # type: ignore[arg-type]  # fmt: skip
        assert prefect_db.configured_sqlite_file() == home / "prefect.db"
        with prefect_server():
            assert os.environ["PREFECT_API_URL"].startswith("http://127.0.0.1:")  # its temporary server
    with sqlite3.connect(home / "prefect.db") as connection:
        tables = {name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")}
    connection.close()
    assert "seeded_from_the_template" in tables


def test_a_database_made_meanwhile_is_kept(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "prefect.db"
    write_temp = LocalStorage._write_temp

    def another_command_first(self: LocalStorage, path: Path, data: bytes) -> Path:
        database.write_bytes(b"another command's database")  # created while the template is copied
        return write_temp(self, path, data)

    monkeypatch.setattr(LocalStorage, "_write_temp", another_command_first)
    with _database(f"sqlite+aiosqlite:///{database}", template, monkeypatch):
        assert not prefect_db.seed_from_template()
    assert database.read_bytes() == b"another command's database"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["prefect.db"]  # no staged copy left
