"""Which failed dbt builds are worth a retry: those where DuckDB ran out of memory, however its
error is worded, and nothing else."""

from __future__ import annotations

import duckdb
import pytest

from flows.transform import NodeResult, _out_of_memory

# DuckDB's own wording, as dbt reported it in a build that ran out of memory (CI, 2026-12-07)
_PLAIN = "Runtime Error in model m (models/m.sql)\n  Out of Memory Error: failed to pin block of size 256.0 KiB (7.5 MiB/7.6 MiB used)"
_AT_COMMIT = (
    "Runtime Error in model courts (models/marts/courts.sql)\n"
    "  TransactionContext Error: Failed to commit: could not allocate block of size 256.0 KiB (7.3 MiB/7.6 MiB used)"
)
_DATA = "Runtime Error in model e (models/e.sql)\n  Out of Memory Error: failed to allocate data of size 32.0 KiB (7.5 MiB/7.6 MiB used)"
# the buffer manager's other wordings (its source), as a failed commit quotes them
_RESIZE = "Runtime Error in model r (models/r.sql)\n  TransactionContext Error: Failed to commit: failed to resize block from 256.0 KiB to 512.0 KiB"
_RESERVE = "Runtime Error in model s (models/s.sql)\n  TransactionContext Error: Failed to commit: failed to reserve memory data of size 1.0 MiB"


def _node(name: str, status: str, message: str | None = None) -> NodeResult:
    return NodeResult(unique_id=f"model.wenshu.{name}", resource_type="model", status=status, message=message, failures=None, seconds=0.1)


def test_memory_running_out_as_a_model_commits_counts_as_out_of_memory() -> None:
    results = [_node("a", "success", "OK"), _node("m", "error", _PLAIN), _node("courts", "error", _AT_COMMIT), _node("e", "error", _DATA),
               _node("r", "error", _RESIZE), _node("s", "error", _RESERVE)]  # fmt: skip

    assert _out_of_memory(results) == [f"model.wenshu.{name}" for name in ("m", "courts", "e", "r", "s")]


def test_duckdbs_own_out_of_memory_error_is_recognised() -> None:
    connection = duckdb.connect()
    connection.execute("set memory_limit = '2MB'; set threads = 1; set temp_directory = ''")  # no spilling: it must run out
    with pytest.raises(duckdb.OutOfMemoryException) as raised:
        connection.execute("select i, count(*) from range(2000000) t(i) group by i order by i").fetchall()

    assert _out_of_memory([_node("m", "error", f"Runtime Error in model m (models/m.sql)\n  {raised.value}")]) == ["model.wenshu.m"]


@pytest.mark.parametrize(
    "other",
    [
        "Runtime Error in model m (models/m.sql)\n  Binder Error: column \"x\" not found",
        "Runtime Error in model m (models/m.sql)\n  TransactionContext Error: Failed to commit: database is read-only",
        None,
    ],
)
def test_one_error_of_another_kind_means_no_retry(other: str | None) -> None:
    assert _out_of_memory([_node("m", "error", _PLAIN), _node("n", "error", other)]) == []


def test_a_failed_test_means_no_retry() -> None:
    failed = NodeResult(unique_id="test.wenshu.t", resource_type="test", status="fail", message="Got 3 results", failures=3, seconds=0.1)

    assert _out_of_memory([_node("m", "error", _PLAIN), failed]) == []
    assert _out_of_memory([_node("a", "success", "OK")]) == []
