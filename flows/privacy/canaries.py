"""Canary names: made-up full names planted in victim roles of the synthetic input.

They exist only to prove the redaction works end to end: the synthetic generator writes them
into judgment texts and into curated fields marked sensitive, and the privacy gate fails the
run if one of them appears in any byte about to be published. Each uses a common surname and
given-name characters outside the synthetic name pool, so no ordinary synthetic name collides.
"""

from __future__ import annotations

CANARY_NAMES = ("柳絮飘", "韩雪凝", "林晓雯", "周梦琪", "高翠萍", "李沁瑶")
