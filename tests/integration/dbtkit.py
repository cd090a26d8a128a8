"""Test helpers for the dbt build: making DuckDB really run out of memory in chosen dbt commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows import transform


def squeeze_memory(monkeypatch: pytest.MonkeyPatch, commands: set[str], limit: str = "8MB") -> list[list[str]]:
    """Record every dbt call; those whose command (``build``, ``retry``) is in ``commands`` get a
    DuckDB memory limit too small for the seeds and the larger models, so DuckDB really runs out
    of memory in them. Returns the calls' arguments, in order, as they are made."""
    real, calls = transform._invoke, []

    def invoke(args: list[str], env: dict[str, str]) -> Any:
        calls.append(list(args))
        return real(args, {**env, "WENSHU_DUCKDB_MEMORY_LIMIT": limit} if args[0] in commands else env)

    monkeypatch.setattr(transform, "_invoke", invoke)
    return calls


def retried_after_running_out_of_memory(target: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first attempt's and the retry's ``run_results.json`` of a build in ``target`` (dbt's
    target folder) that ran out of memory once, having checked what every such retry must show:
    the first attempt's errors were all DuckDB running out of memory, each was retried, and no
    node that passed the first time ran again."""
    first = json.loads((target / "run_results.before-retry.json").read_text())
    retry = json.loads((target / "run_results.json").read_text())
    errors = {result["unique_id"] for result in first["results"] if result["status"] == "error"}
    assert errors and all(transform._OUT_OF_MEMORY.search(result["message"]) for result in first["results"] if result["unique_id"] in errors)
    retried = {result["unique_id"] for result in retry["results"]}
    assert errors <= retried
    passed = {result["unique_id"] for result in first["results"] if result["status"] in ("success", "pass")}
    assert passed and passed.isdisjoint(retried)
    return first, retry
