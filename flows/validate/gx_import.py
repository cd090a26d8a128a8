"""Import Great Expectations without paying for the statistics and charting libraries it never uses here.

``import great_expectations`` imports every core expectation, and one of them
(``expect_column_kl_divergence_to_be_less_than``) imports ``scipy.stats`` and ``altair`` at module
level: about 0.85 s of GX's 2.3 s import, paid by every process that validates (the pipeline's
gates, ``wenshu validate``, a consumer checking a download). None of our suites uses that
expectation. Each of the two is first put in ``sys.modules`` as a stand-in module that imports
the real one on its first attribute access (and from then on forwards to it), so a suite or a
library that does use them still gets the real thing.

``importlib.util.LazyLoader`` would be the stock tool, but on Python 3.11 a plain ``import altair``
reads the module's ``__spec__``, which makes a LazyLoader module load at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

from flows.collector import fewer_collections

# Imported by GX at start-up, used only by expectations and renderers our suites do not run.
DEFERRED_MODULES = ("scipy.stats", "altair")
_INSTALL = threading.Lock()  # held while GX is first imported: the stand-ins go in before it
_SWAP = threading.Lock()  # held only to take a stand-in out of sys.modules, never across an import


def import_great_expectations() -> ModuleType:
    """``great_expectations``, imported once per process with the deferred modules as stand-ins."""
    with _INSTALL:
        if "great_expectations" in sys.modules:
            return sys.modules["great_expectations"]
        for name in DEFERRED_MODULES:
            _defer(name)
        with fewer_collections():  # ~0.15 s less of the collector's time: see flows.collector
            return importlib.import_module("great_expectations")


class _Deferred(ModuleType):
    """Stands in for a module until something reads an attribute it does not have."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(_load(self), attribute)


def _defer(name: str) -> None:
    """Put a stand-in for ``name`` in ``sys.modules`` unless it is imported already or absent."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # imports the parent package (scipy's own import is light)
    if spec is None:
        return  # not installed: GX's own import will report it
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    stand_in.__dict__["_wenshu_real"] = None
    sys.modules[name] = stand_in
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, stand_in)  # as the import system binds a submodule


def _load(stand_in: _Deferred) -> ModuleType:
    """The real module, imported on first use; ``sys.modules`` and the parent package then hold it.

    Two threads may both get here: the import system lets one run the module and hands the
    other the result, so only taking the stand-in out needs a lock of its own.
    """
    real = stand_in.__dict__["_wenshu_real"]
    if real is None:
        name = stand_in.__name__
        with _SWAP:
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
        real = importlib.import_module(name)
        stand_in.__dict__["_wenshu_real"] = real
    return real
