"""Per-record format adapters: each recognises one shape of scraper output and maps it to
the canonical field names that :mod:`flows.ingest.normalise` types, cleans and checks.

An adapter is a name, a cheap ``matches(obj)`` test, and ``to_fields(obj) -> dict``. The first
adapter that matches wins, so more specific shapes come first. New scraper shapes are new
modules here; nothing else changes. ``to_fields`` raises
:class:`~flows.ingest.adapters.cjo_codes.PayloadError` when a nested value cannot be decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows.ingest.adapters import cjo_app, cjo_legacy, cjo_web, contract, research
from flows.ingest.adapters.cjo_codes import PayloadError


@dataclass(frozen=True)
class Adapter:
    name: str
    matches: Callable[[Any], bool]
    to_fields: Callable[[Any], dict[str, Any]]


JUDGMENT_ADAPTERS: tuple[Adapter, ...] = (
    Adapter("wenshu_jsonl", contract.matches_judgment, contract.judgment_fields),
    Adapter("cjo_web_api", cjo_web.matches, cjo_web.fields),
    Adapter("cjo_app", cjo_app.matches, cjo_app.fields),
    Adapter("cjo_legacy_page", cjo_legacy.matches, cjo_legacy.fields),
    Adapter("judge_dump", research.matches_judge, research.judge_fields),
    Adapter("lecard_dump", research.matches_lecard, research.lecard_fields),
)
OBSERVATION_ADAPTERS: tuple[Adapter, ...] = (
    Adapter("wenshu_observation", contract.matches_observation, contract.observation_fields),
)


def detect(obj: Any, adapters: tuple[Adapter, ...]) -> Adapter | None:
    for adapter in adapters:
        if adapter.matches(obj):
            return adapter
    return None


__all__ = ["JUDGMENT_ADAPTERS", "OBSERVATION_ADAPTERS", "Adapter", "PayloadError", "detect"]
