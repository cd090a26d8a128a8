"""Per-record format adapters: each recognises one shape of scraper output and maps it to
the canonical field names that :mod:`flows.ingest.normalise` types, cleans and checks.

An adapter is a name, a cheap ``matches(obj)`` test, and ``to_fields(obj) -> dict``. The first
adapter that matches wins, so more specific shapes come first. New scraper shapes are new
modules here; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows.ingest.adapters import contract


@dataclass(frozen=True)
class Adapter:
    name: str
    matches: Callable[[dict[str, Any]], bool]
    to_fields: Callable[[dict[str, Any]], dict[str, Any]]


JUDGMENT_ADAPTERS: tuple[Adapter, ...] = (Adapter("wenshu_jsonl", contract.matches_judgment, contract.judgment_fields),)
OBSERVATION_ADAPTERS: tuple[Adapter, ...] = (
    Adapter("wenshu_observation", contract.matches_observation, contract.observation_fields),
)


def detect(obj: dict[str, Any], adapters: tuple[Adapter, ...]) -> Adapter | None:
    for adapter in adapters:
        if adapter.matches(obj):
            return adapter
    return None
