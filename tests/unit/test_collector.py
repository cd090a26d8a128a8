import gc
import subprocess
import sys

import pytest

from flows.collector import IMPORT_THRESHOLD, fewer_collections


def test_fewer_collections_raises_the_first_threshold_only_inside_the_block() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        inside = gc.get_threshold()
    assert inside == (max(before[0], IMPORT_THRESHOLD), *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the block failed")
    assert gc.get_threshold() == before, "restored when the block raises too"


def _young_collections_while(allocate: int) -> int:
    """First-generation collections while ``allocate`` containers are made and kept."""
    counted = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 0:
            counted.append(1)

    gc.collect()  # the allocation count starts from zero
    gc.callbacks.append(count)
    try:
        kept = [[] for _ in range(allocate)]
    finally:
        gc.callbacks.remove(count)
    assert len(kept) == allocate
    return len(counted)


def test_inside_the_block_young_objects_are_collected_less_often() -> None:
    assert gc.get_threshold()[0] < 5_000 < IMPORT_THRESHOLD
    assert _young_collections_while(5_000) >= 1
    with fewer_collections():
        assert gc.isenabled()
        assert _young_collections_while(5_000) == 0


def test_the_heap_is_frozen_after_the_exit_handlers_registered_after_it() -> None:
    # A handler registered before the freeze runs after it (last registered, first run), and
    # another registered after it runs before it: the freeze is the last thing before finalisation.
    code = """
import atexit, gc, sys
from flows.collector import skip_collection_at_exit
atexit.register(lambda: print('last', gc.get_freeze_count() > 0, flush=True))
handlers = atexit._ncallbacks()
skip_collection_at_exit()
skip_collection_at_exit()
assert atexit._ncallbacks() == handlers + 1, 'registered once'
atexit.register(lambda: print('first', gc.get_freeze_count() > 0, flush=True))
data = [[i] for i in range(10_000)]
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["first", "False", "last", "True"]
