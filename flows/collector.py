"""The cyclic garbage collector's settings around large imports and at a process's exit.

CPython runs its cycle collector every 700 net new container objects, and a full pass walks every
live object. Our processes hold Prefect, Great Expectations, SQLAlchemy and pydantic: 130,000 to
370,000 objects that live until exit. Measured here (2 cores), per process:

- importing GX made 565 collections that took 0.25–0.31 s of its ~1.8 s; with a first-generation
  threshold of 10,000 for the import, 40 collections took 0.11–0.12 s;
- a ``wenshu validate``-sized process spent 0.50–0.53 s after its last line, mostly in the
  collector's passes over the dying heap; frozen first (``gc.freeze``), its exit took 0.06–0.08 s.

Neither changes what is collected while the work runs: the import's garbage is still collected,
and at exit the operating system takes the memory back. Objects in cycles that are still alive at
exit are not finalised; our files are closed by ``with`` blocks, not by finalisers.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

# First-generation threshold during a bulk import (CPython's default is 700); the other two stay.
IMPORT_THRESHOLD = 10_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect less often while a block allocates many long-lived objects (a large import).

    The threshold is the interpreter's: blocks on two threads at once could leave it raised, so
    a caller serialises them (``gx_import`` holds its import lock).
    """
    previous = gc.get_threshold()
    gc.set_threshold(max(previous[0], IMPORT_THRESHOLD), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@cache  # registered once per process, however many callers ask
def skip_collection_at_exit() -> None:
    """Freeze the heap at exit, so that finalisation does not walk it.

    Exit handlers run last-registered first, so this one runs after every handler registered
    after it; called at start-up, that is all of Prefect's, GX's and DuckDB's. Handlers that run
    later (``logging.shutdown``) still flush: freezing only keeps the collector off the objects.
    """
    atexit.register(gc.freeze)
