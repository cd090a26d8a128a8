"""A pipeline run's start: Prefect's temporary server and the flow's heavy imports, side by side.

Without ``PREFECT_API_URL``, Prefect starts a temporary server when the flow begins and waits for
it (4-5 s, mostly the server's own imports in its process). The gates and the build then import
Great Expectations and dbt in this process (2-3 s) when their steps come. Both are needed by any
run that builds, so the server is started in a thread while this thread imports them: a run
pays the longer of the two, not their sum. The thread is joined before the flow starts, so
Prefect finds its server running, exactly as if it had started it.
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
    # a failed start is reset by Prefect and tried again, with its error, when the flow begins
    starting = threading.Thread(target=server.start, name="prefect-server-start", daemon=True)
    starting.start()
    try:
        from dbt.cli.main import dbtRunner  # noqa: F401  # imported, not used: the build's import is then free

        from flows.validate.gx_import import import_great_expectations

        import_great_expectations()
    except Exception as error:  # the step that needs them imports them again and reports it
        log.debug("early import failed: %s", error)
    finally:
        starting.join()
