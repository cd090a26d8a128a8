"""The temporary Prefect server's process: uvicorn, stopped when the command that started it goes.

Run as ``python -m flows.pipeline.server_process <uvicorn arguments>`` with the write end of a pipe
kept by the command as its standard input (:mod:`flows.pipeline.startup`). The command never
writes to it; the kernel closes it when the command ends, however it ends, SIGKILL and an
out-of-memory kill included. The server, in a session of its own so that the terminal's Ctrl-C
reaches only the command, would otherwise outlive it, holding its port and Prefect's database.
At the end of its input it stops as on SIGTERM (uvicorn's graceful shutdown), or at once if that
has not ended it within ``_GRACE_SECONDS``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

_GRACE_SECONDS = 10.0


def _stop_when_the_command_goes() -> None:
    # the descriptor, not sys.stdin: a thread blocked in sys.stdin's reader holds its lock, and an
    # interpreter exiting on its own (uvicorn's exit code 3: its port was taken) would abort on it
    while os.read(0, 4096):
        pass  # nothing is written: the read returns at end of input
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(_GRACE_SECONDS)
    os._exit(1)


def main() -> None:
    threading.Thread(target=_stop_when_the_command_goes, daemon=True, name="stop-with-command").start()
    from uvicorn.main import main as uvicorn

    uvicorn(args=sys.argv[1:], prog_name="uvicorn")


if __name__ == "__main__":
    main()
