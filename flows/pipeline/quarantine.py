"""Reading the quarantine back: every rejected record and unreadable file, oldest file first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from flows import layout
from flows.storage import Storage


def iter_quarantine(work: Storage) -> Iterator[dict[str, Any]]:
    for key in work.list(layout.QUARANTINE_PREFIX):
        for line in work.get(key).splitlines():
            if line.strip():
                yield orjson.loads(line)
