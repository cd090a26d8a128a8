"""Make Great Expectations' SQL engine work on DuckDB (patched at run time, never in site-packages).

As installed, every expectation run against DuckDB through ``duckdb-engine`` comes back
``success=False`` with an empty result; the real error (``list index out of range``) hides in
``exception_info``. GX opens a fresh pooled connection per query and fetches rows after that
connection has gone back to the pool, where DuckDB has already discarded the result. GX keeps one
persisted connection for the dialects listed in ``_PERSISTED_CONNECTION_DIALECTS`` (SQLite, SQL
Server, ...): registering ``duckdb`` there (and as a ``GXSqlDialect`` member, which that tuple
holds) gives DuckDB the same treatment: a ``StaticPool`` engine and one connection kept open.

Only two module-level names are touched and the patch is idempotent; it raises if GX's internals
change shape, and ``tests/unit/test_validate.py`` keeps a deliberately failing control so a
regression can never pass unseen.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

DUCKDB = "duckdb"
_LOCK = threading.Lock()


def ensure_duckdb_dialect() -> None:
    """Register DuckDB as a GX dialect that needs a persisted connection (once per process)."""
    from great_expectations.execution_engine import sqlalchemy_dialect, sqlalchemy_execution_engine

    engine_module: Any = sqlalchemy_execution_engine
    with _LOCK:
        member = _dialect_member(sqlalchemy_dialect.GXSqlDialect)
        persisted = getattr(engine_module, "_PERSISTED_CONNECTION_DIALECTS", None)
        if not isinstance(persisted, tuple):
            raise RuntimeError(
                "great_expectations changed: sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS "
                "is gone, so DuckDB cannot get a persisted connection; update flows/validate/gx_duckdb.py"
            )
        if member not in persisted:
            engine_module._PERSISTED_CONNECTION_DIALECTS = (*persisted, member)
            log.debug("registered duckdb as a persisted-connection dialect in great_expectations")
        if not engine_module._dialect_requires_persisted_connection(connection_string="duckdb:///x"):
            raise RuntimeError("great_expectations still treats duckdb as a pooled dialect after patching")


def _dialect_member(enum_class: Any) -> Any:
    """The ``GXSqlDialect`` member for duckdb, added to the enum if GX does not have one."""
    try:
        return enum_class(DUCKDB)
    except ValueError:
        pass
    member = object.__new__(enum_class)
    member._name_ = DUCKDB.upper()
    member._value_ = DUCKDB
    member.__objclass__ = enum_class
    member._sort_order_ = len(enum_class._member_names_)
    type.__setattr__(enum_class, member._name_, member)  # EnumType.__setattr__ refuses members
    enum_class._member_map_[member._name_] = member
    enum_class._member_names_.append(member._name_)
    enum_class._value2member_map_[DUCKDB] = member
    return member


def close_datasource(datasource: Any) -> None:
    """Close the persisted connection and both engines of a GX SQL datasource (releases the file)."""
    execution_engine = getattr(datasource, "_execution_engine", None)
    if execution_engine is not None:
        connection = getattr(execution_engine, "_connection", None)
        if connection is not None:
            connection.close()
            execution_engine._connection = None
        execution_engine.engine.dispose()
    engine = getattr(datasource, "_engine", None)
    if engine is not None:
        engine.dispose()
