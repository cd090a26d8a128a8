"""A slow publisher must not roll the store's front door (catalog, feeds) back past a newer version.

Deterministic interleaving: publisher A is paused just before it reads ``catalog.json`` to
replace it (its view of the store is already taken), publisher B publishes a newer version
completely, then A resumes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from faultkit import DATASET, Files, SpyStorage, assert_consistent, private_copy, publish

from flows import layout
from flows.publish import pointers
from flows.publish.datasets import DatasetSpec
from flows.storage.local import LocalStorage


def paused_before_catalog_read(spy: SpyStorage, paused: threading.Event, resume: threading.Event) -> Callable[[str, str], None]:
    def hook(operation: str, phase: str) -> None:
        if operation == "get_versioned" and phase == "before" and spy.calls[-1][1][0] == layout.CATALOG and not paused.is_set():
            paused.set()
            assert resume.wait(60), "never resumed"

    return hook


def test_a_slow_publisher_does_not_roll_the_catalog_back(
    spec: DatasetSpec, packages: Callable[[str], Files], tmp_path: Path
) -> None:
    root = tmp_path / "store"
    paused, resume = threading.Event(), threading.Event()
    slow = SpyStorage(LocalStorage(root))
    slow.hook = paused_before_catalog_read(slow, paused, resume)
    errors: list[BaseException] = []

    def publish_slowly() -> None:
        try:
            publish(slow, spec, private_copy(packages("v1-a"), tmp_path / "a"), run_id="slow")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=publish_slowly)
    thread.start()
    try:
        assert paused.wait(60), "the slow publisher never reached catalog.json"
        fast = publish(LocalStorage(root), spec, private_copy(packages("v2-b"), tmp_path / "b"), run_id="fast")
    finally:
        resume.set()
        thread.join(60)
    assert not errors, errors
    store = LocalStorage(root)
    assert_consistent(store, tmp_path / "scratch")
    latest = pointers.read_json(store, layout.latest_pointer(DATASET))
    assert latest["version"] == fast.version
    catalog = pointers.read_json(store, layout.CATALOG)
    assert [d["version"] for d in catalog["datasets"] if d["name"] == DATASET] == [fast.version]
    assert fast.version in store.get(layout.FEED_JSON).decode()
