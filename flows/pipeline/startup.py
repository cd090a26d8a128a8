"""A pipeline run's start: Prefect's temporary server and the flow's heavy imports, side by side.

Without ``PREFECT_API_URL``, Prefect starts a temporary server when the flow begins and waits for
it (4-5 s, mostly the server's own imports in its process). The gates and the build then import
Great Expectations and dbt in this process (2-3 s) when their steps come. Any run that builds
needs both, so the server is started in a thread while this thread imports them: such a run
pays the longer of the two, not their sum (a rerun with nothing new pays ~1 s it did not need).
The thread is joined before the flow starts, so Prefect finds its server running, exactly as if
it had started it.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def start_server_while_importing() -> None:
    """Start Prefect's temporary server (when one will be needed) while GX and dbt are imported."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return  # a configured server: nothing to wait for, and the imports come when needed
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance Prefect's client starts and uses (one per process)

    def start() -> None:
        try:
            server.start()
        except Exception as error:  # stopped here; Prefect starts it again, and reports, when the flow begins
            log.debug("early start of Prefect's temporary server failed: %s", error)
            server.stop()

    starting = threading.Thread(target=start, name="prefect-server-start", daemon=True)
    starting.start()
    try:
        from dbt.cli.main import dbtRunner  # noqa: F401  # imported, not used: the build's import is then free

        from flows.validate.gx_import import import_great_expectations

        import_great_expectations()
    except Exception as error:  # the step that needs them imports them again and reports it
        log.debug("early import failed: %s", error)
    finally:
        starting.join()
