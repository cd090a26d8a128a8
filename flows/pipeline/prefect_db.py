"""A new Prefect database starts as a copy of a migrated one, instead of running every migration.

A command's temporary Prefect server (:mod:`flows.pipeline.startup`) finds its SQLite database
under ``PREFECT_HOME``, and creates it on first use by running all of Prefect's Alembic
migrations (113 in Prefect 3.8): 7-8 s of CPU while the server starts, which every new home
pays (a new machine's first ``make demo``, each run of the benchmark, each command-line test).
``make setup`` runs those migrations once per installed Prefect version, into a template inside
the virtualenv (``python -m flows.pipeline.prefect_db``). A server whose database file does not
exist yet then starts from a copy of the template, in which Prefect finds its newest revision
and nothing to migrate: on a new home, a command's start until its server answered (the flow's
imports meanwhile) took 5.3-5.5 s instead of 11.7-13.1 s here.

Only a file-backed SQLite database that does not exist at all is seeded, and never over a file
that appears meanwhile (a hard link, which fails if the name is taken). An existing database,
another database server, or no template (an installation without ``make setup``) is left to
Prefect, which migrates as usual.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from flows.storage.local import LocalStorage

log = logging.getLogger(__name__)

_SQLITE = "sqlite+aiosqlite:///"
# files SQLite keeps beside a database: one left over from a removed database must not meet a new one
_COMPANIONS = ("-wal", "-shm", "-journal")


def template_path() -> Path:
    """The migrated database of the installed Prefect version, inside the virtualenv."""
    import prefect

    return Path(sys.prefix) / "share" / "wenshu" / f"prefect-{prefect.__version__}.db"


def configured_sqlite_file() -> Path | None:
    """The file of Prefect's configured database when it is a SQLite file; None for any other."""
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url
    value = url.get_secret_value() if url is not None else ""
    if not value.startswith(_SQLITE):
        return None
    path = value.removeprefix(_SQLITE)
    if not path or "?" in path or path.startswith((":memory:", "file:")):
        return None
    return Path(path)


def seed_from_template() -> bool:
    """Give Prefect's configured SQLite database the template's tables if the file does not exist
    yet; whether it did. Never fails a command: anything unexpected leaves it to Prefect."""
    try:
        database, template = configured_sqlite_file(), template_path()
        if database is None or not template.is_file() or not database.parent.is_dir():
            return False
        if database.exists() or any(database.with_name(database.name + suffix).exists() for suffix in _COMPANIONS):
            return False
        # fsynced, then linked into place: fails if the name was taken meanwhile, which stays as it is
        if not LocalStorage(database.parent).put_if_absent(database.name, template.read_bytes()):
            return False
    except Exception as error:  # a file system without hard links, unreadable settings
        log.debug("Prefect database not seeded from the template: %s", error)
        return False
    log.info("Prefect database %s starts from the template %s", database, template.name)
    return True


def build_template(target: Path | None = None) -> Path:
    """Run Prefect's migrations on a new SQLite database, in a process of its own whose home,
    database and working folder are new (no profile or settings file of this one reaches it), and
    keep the result as ``target``."""
    target = target or template_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prefect-template-") as home:
        database = Path(home) / "prefect.db"
        env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
        env |= {"PREFECT_HOME": home, "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"{_SQLITE}{database}",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
        upgrade = [sys.executable, "-m", "prefect", "server", "database", "upgrade", "--yes"]
        done = subprocess.run(upgrade, env=env, cwd=home, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"Prefect's migrations failed on a new database: {done.stderr[-2000:]}")
        with sqlite3.connect(database) as connection:  # one self-contained file: no write-ahead log beside it
            connection.execute("pragma wal_checkpoint(truncate)")
            connection.execute("pragma journal_mode = delete")
        connection.close()
        LocalStorage(target.parent).put(target.name, database.read_bytes())
    for older in target.parent.glob("prefect-*.db"):
        if older != target:
            older.unlink()
    return target


def main() -> None:
    """``python -m flows.pipeline.prefect_db``: (re)build the template (``make setup`` does)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log.info("Prefect database template: %s", build_template())


if __name__ == "__main__":
    main()
