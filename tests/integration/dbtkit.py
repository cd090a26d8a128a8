"""Test helpers for the dbt build: making DuckDB really run out of memory in chosen dbt commands."""

from __future__ import annotations

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
