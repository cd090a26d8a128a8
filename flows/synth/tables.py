"""Precomputed random sequences: a slice at a random offset stands in for many separate draws.

Built from fixed streams, so every process has the same tables and a document's bytes depend only
on its own random stream. Slices from different documents may overlap; nothing downstream reads
meaning into that.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate
from random import Random

TABLE_SIZE = 1 << 16
_STREAM = Random("wenshu-synth/tables")
NORMALS = [_STREAM.gauss(0.0, 1.0) for _ in range(TABLE_SIZE)]
GAP_TABLE_SIZE = 1 << 13
LONGEST_WALK = 1 << 10  # days in one walk from a gap table; longer ones are drawn day by day
GAPS = tuple(sorted({int(1.25**power) for power in range(26)}))  # mean gaps with a table: 1, 2, 3, 4, 5, 7, … 264
_GAP_TABLES: dict[int, array] = {}


def normal(rng: Random) -> float:
    """A standard normal deviate (from a table: the tail stops near 4.3 standard deviations)."""
    return NORMALS[int(rng.random() * TABLE_SIZE)]


def days_between(rng: Random, first: int, last: int, count: int) -> Iterable[int]:
    """``count`` days (ordinals, or any day numbers) from ``first`` to ``last`` in order, ``first`` itself first.

    A random walk whose steps (0 to 2 × the mean gap) come from a table, so the days need no
    sorting and the walk stops at ``last`` at the latest.
    """
    widest = (last - first) // (2 * (count - 1)) if count > 1 else 0
    if widest < 1 or count > LONGEST_WALK:
        span = max(1, last - first)
        return sorted([first + int(rng.random() * span) for _ in range(count)])
    gap = GAPS[bisect_right(GAPS, widest) - 1]  # the widest mean gap with a table that keeps within ``last``
    if gap not in _GAP_TABLES:
        stream = Random(f"wenshu-synth/tables/gaps/{gap}")
        _GAP_TABLES[gap] = array("H", (int(stream.random() * (2 * gap + 1)) for _ in range(GAP_TABLE_SIZE + LONGEST_WALK)))
    start = int(rng.random() * GAP_TABLE_SIZE)
    return accumulate(_GAP_TABLES[gap][start : start + count - 1], initial=first)
