"""A pipeline run's start: a temporary Prefect server, started while the flow's heavy imports run.

Without ``PREFECT_API_URL``, Prefect starts a temporary server when a flow begins: a uvicorn
process serving its API over the database under ``PREFECT_HOME``, which takes 3 s to come up,
after 1.4 s spent importing the server's module in this process only to start it. The gates and
the build then import Great Expectations and dbt here (3.5 s). A run that builds needs all of it,
so :func:`prefect_server` starts the same server process the same way, before anything heavy is
imported, and imports the flow, dbt and GX while it comes up: at a million judgments a run's
start took 6.9 s before the flow began, and ~4.5 s this way (a rerun with nothing new pays ~1 s
for imports it does not use). The flow talks to it as to any server (``PREFECT_API_URL``, set for
the run only), and it stops when the run ends, as Prefect's own would.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import httpx

from flows.errors import ConfigurationError

log = logging.getLogger(__name__)


@contextmanager
def prefect_server() -> Iterator[None]:
    """Within: a Prefect API for the flow, the configured one if any, else a temporary server
    started here (see the module); the flow's heavy imports done either way."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        get_current_settings,
    )

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        yield  # a configured server (or none allowed: Prefect says so when the flow begins)
        return
    server = _TemporaryServer(get_current_settings().to_environment_variables(exclude_unset=True))
    try:
        _import_heavy_modules()
        url = server.wait(timeout=float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
        with _api_url(url):
            try:
                yield
            finally:
                _send_what_prefect_holds()
    finally:
        server.stop()


@contextmanager
def _api_url(url: str) -> Iterator[None]:
    """``PREFECT_API_URL`` for the whole process: its environment (worker processes inherit it)
    and Prefect's global settings, which every thread reads (a context's would reach only this
    thread: the others would start Prefect's own temporary server to send their logs to)."""
    from prefect.context import refresh_global_settings_context

    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    refresh_global_settings_context()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
        refresh_global_settings_context()


def _send_what_prefect_holds() -> None:
    """Send the logs and events Prefect still holds to the server, while it runs: later, without
    ``PREFECT_API_URL``, Prefect would start a temporary server of its own to send them to (as
    ``prefect_test_harness`` does before it stops its server)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=30, at_exit=False)
        except Exception as error:  # what could not be sent is lost from Prefect's records, not from the run's
            log.warning("Prefect's %s did not finish sending: %s", worker.__name__, error)


def _import_heavy_modules() -> None:
    """Import what every building run imports anyway, while the server starts in its process."""
    try:
        from dbt.cli.main import dbtRunner  # noqa: F401  # imported, not used: the build's import is then free

        from flows.pipeline.run_flow import run_flow  # noqa: F401
        from flows.validate.gx_import import import_great_expectations

        import_great_expectations()
    except Exception as error:  # the step that needs them imports them again and reports it
        log.debug("early import failed: %s", error)


class _TemporaryServer:
    """Prefect's API server in a process of its own, started as Prefect starts its temporary one
    (the same uvicorn command and environment), on a free local port."""

    def __init__(self, settings_env: dict[str, str]):
        self.port = _free_port()
        prefect_dir = Path(find_spec("prefect").origin).parent  # type: ignore[union-attr, arg-type]
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
               **settings_env}  # fmt: skip
        env.pop("PREFECT_API_URL", None)
        log.info("starting a temporary Prefect server on %s", self.url)
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115  # closed by stop(); a file, as a pipe nobody reads could fill and stall it
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_dir.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdout=subprocess.DEVNULL, stderr=self.errors,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait(self, timeout: float) -> str:
        """The server's API URL once it answers; ConfigurationError if it exits or never does."""
        deadline = time.monotonic() + timeout
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    self.errors.seek(0)
                    error = self.errors.read().decode(errors="replace")[-2000:]
                    raise ConfigurationError(f"the temporary Prefect server exited before it answered: {error}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/health", timeout=2).status_code == 200:
                        return self.url
                time.sleep(0.1)
        raise ConfigurationError(
            f"the temporary Prefect server did not answer within {timeout:.0f} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS), or set PREFECT_API_URL to a running one"
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        self.errors.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
