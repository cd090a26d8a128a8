"""A pipeline command's start: a temporary Prefect server, started while the flow's heavy imports run.

Without ``PREFECT_API_URL``, Prefect starts a temporary server when a flow begins: a uvicorn
process serving its API over the database under ``PREFECT_HOME``, which takes 3 s to come up,
after 1.4 s spent importing the server's module in this process only to start it. The gates and
the build then import Great Expectations and dbt here (3.5 s). A run that builds needs all of it,
so :func:`prefect_server` starts the same server process the same way, before anything heavy is
imported, and imports the flow, dbt and GX while it comes up: at a million judgments a run's
start took 6.9 s before the flow began, and 5.0 s this way (a rerun with nothing new pays ~1 s
for imports it does not use). Every pipeline command starts its server so (``wenshu ingest``
with nothing new: 8.8-9.0 s before, 6.6-7.4 s so; ``validate``: 11.8 s, 8.6-9.1 s). A new
``PREFECT_HOME``'s database is a copy of a migrated template (:mod:`flows.pipeline.prefect_db`),
so the first start of a home is not 7-8 s longer. The flow
talks to it as to any server (``PREFECT_API_URL``, set for the run only), and it is stopped when
the run ends, Ctrl-C and SIGTERM included: it runs in a session of its own, so the terminal's
Ctrl-C reaches only the command, which sends Prefect's last logs to it first. A command killed
outright (SIGKILL, the kernel's out-of-memory killer) cannot stop it: the server then stops itself
(:mod:`flows.pipeline.server_process`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import httpx

from flows.errors import ConfigurationError
from flows.pipeline.prefect_db import seed_from_template
from flows.settings import get_settings

log = logging.getLogger(__name__)

_PORTS = range(8000, 9000)  # Prefect's own choice: out of the kernel's range for outgoing connections
_PORT_IN_USE = 3  # uvicorn's exit code when it could not start, a port taken meanwhile among the causes
# Stopped by Ctrl-C or SIGTERM, the command waits this long for Prefect's last logs to be sent:
# a supervisor's SIGKILL follows SIGTERM after 10 s (docker stop) to 30 s.
_INTERRUPTED_SEND_SECONDS = 3.0


@contextmanager
def prefect_server() -> Iterator[None]:
    """Within: a Prefect API for the flow, the configured one if any, else a temporary server
    started here (see the module), with the flow's heavy imports done while it starts. SIGTERM
    raises :class:`Terminated` within (Prefect's own handler takes over while a flow runs)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, get_current_settings

    settings = get_settings()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_terminate_as_interrupt())  # restored last, once the server has stopped
        if PREFECT_API_URL.value() or (settings.task_runner == "dask" and settings.dask_address):
            # a configured server; or workers on other machines, which could not reach one on this
            # one's loopback address (Prefect gives each worker a temporary server of its own then)
            with _sending_what_prefect_holds(None):
                yield
            return
        seed_from_template()  # a new home's database without Prefect's migrations (flows.pipeline.prefect_db)
        server = _TemporaryServer(get_current_settings().to_environment_variables(exclude_unset=True))
        stack.callback(server.stop)
        server.start()
        _import_heavy_modules()
        url = server.wait(timeout=float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
        with _api_url(url), _sending_what_prefect_holds(server):
            yield


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler or supervisor stopping the command), raised as Ctrl-C raises
    KeyboardInterrupt, so that it stops the same way: by default it would end the process at
    once, leaving the server, in a session of its own, running."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(f"signal {signum}")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers are the main thread's
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:  # None: a handler set outside Python, which cannot be put back
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _import_heavy_modules() -> None:
    """Import what a run that builds imports anyway, while the server starts in its process (the
    run's flow imports every step's flow, so a step command's own import is free too)."""
    try:
        from dbt.cli.main import dbtRunner  # noqa: F401  # imported, not used: the build's import is then free

        from flows.pipeline.run_flow import run_flow  # noqa: F401
        from flows.validate.gx_import import import_great_expectations

        import_great_expectations()
    except Exception as error:  # the step that needs them imports them again and reports it
        log.debug("early import failed: %s", error)


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


@contextmanager
def _sending_what_prefect_holds(server: _TemporaryServer | None) -> Iterator[None]:
    """At the end, send what Prefect still holds to the server (``server``, else the configured
    one), as ``prefect_test_harness`` does before it stops its own; briefly if the command was
    interrupted (it then exits at once, without Prefect's own sending at exit: ``flows.cli``).
    Ctrl-C leaves the temporary server up to take them: it runs in a session of its own."""
    try:
        yield
    except BaseException as stop:
        _send_what_prefect_holds(server, timeout=30 if isinstance(stop, Exception) else _INTERRUPTED_SEND_SECONDS)
        raise
    _send_what_prefect_holds(server, timeout=30)


def _send_what_prefect_holds(server: _TemporaryServer | None, timeout: float) -> None:
    """Send the logs and events Prefect still holds to its server: once ``PREFECT_API_URL`` is
    gone, Prefect would start a temporary server of its own to send them to."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    if server is not None and not server.running:
        return  # nothing would reach it: Prefect's client would retry for half a minute
    for worker in (APILogWorker, EventsWorker):
        _, pending = worker.drain_all(timeout=timeout, at_exit=False)  # type: ignore[misc]
        if pending:
            log.warning("Prefect's %s had not sent everything to its server after %.0f s", worker.__name__, timeout)


class _TemporaryServer:
    """Prefect's API server in a process of its own, started as Prefect starts its temporary one
    (the same uvicorn arguments and environment, a port in the same range), but through
    :mod:`flows.pipeline.server_process`, so that it also stops if this process is killed."""

    def __init__(self, settings_env: dict[str, str]):
        self.env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                    "PREFECT__SERVER_FINAL": "1", **settings_env}  # fmt: skip
        self.env.pop("PREFECT_API_URL", None)
        self.app_dir = Path(find_spec("prefect").origin).parent.parent  # type: ignore[union-attr, arg-type]
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115  # closed by stop(); a pipe nobody reads could fill and stall it
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()  # a server that could not start, replaced
        self.port = _free_port()
        log.info("starting a temporary Prefect server on %s", self.url)
        # -P: the installed flows package, never one in the working directory
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "flows.pipeline.server_process", "--app-dir", str(self.app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=self.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.errors, start_new_session=True,
        )  # fmt: skip  # stdin: its end tells the server this process has gone (see server_process)

    def wait(self, timeout: float) -> str:
        """The server's API URL once it answers; ConfigurationError if it exits or never does."""
        deadline, respawns = time.monotonic() + timeout, 2
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() == _PORT_IN_USE and respawns:
                    respawns -= 1  # its port may have been taken since it was found free: another one
                    self.start()
                if not self.running:
                    raise ConfigurationError(f"the temporary Prefect server stopped before it answered: {self._errors()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/health", timeout=2).status_code == 200:
                        return self.url
                time.sleep(0.1)
        raise ConfigurationError(
            f"the temporary Prefect server did not answer within {timeout:.0f} s (raise "
            f"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or set PREFECT_API_URL to a running server): {self._errors()}"
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
            if errors := self._errors():
                log.info("the temporary Prefect server said: %s", errors)
        self.errors.close()

    def _errors(self, limit: int = 2000) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")[-limit:].strip()


def _free_port() -> int:
    for _ in range(20):
        port = random.choice(_PORTS)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            return port
    raise ConfigurationError(f"no free port for a temporary Prefect server in {_PORTS.start}-{_PORTS.stop - 1}")
