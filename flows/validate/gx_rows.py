"""``unexpected_rows_expectation``, run with one scan of its query instead of two.

GX's ``UnexpectedRowsExpectation`` depends on two metrics, ``unexpected_rows_query.table`` (the
rows) and ``unexpected_rows_query.row_count`` (``count(*)`` over the same query), so every
query runs twice, and a query that passes (no rows) reads the whole table both times. For the
raw gate's check of every stored text against its hash, at a million judgments, that was 58 s
of a 66 s gate. Here one metric fetches at most ``MAX_RESULT_RECORDS`` rows with ``limit``: fewer
than that is the exact count, and only a query that fills the limit is counted again.

Suite files keep GX's own type name (plain GX runs them unchanged); :meth:`SuiteFile.to_gx`
builds them as :class:`UnexpectedRowsScannedOnce`, whose results GX's own ``_validate`` makes
from the two values it expects. SQL engines only, written for DuckDB (``LIMIT``; a query's own
``ORDER BY`` is not kept under the wrapper). Import GX through ``flows.validate.gx_import``
before this module, so that importing GX here does not load scipy.stats and altair.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa
from great_expectations.constants import MAX_RESULT_RECORDS
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.core.unexpected_rows_expectation import UnexpectedRowsExpectation
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.query_metric_provider import (
    QueryMetricProvider,
    render_derived_table_alias,
)

METRIC = "wenshu_unexpected_rows_query.rows_and_count"
_ROWS, _COUNT = "rows", "count"


class UnexpectedRowsAndCount(QueryMetricProvider):  # type: ignore[misc]  # GX's classes are untyped
    """The first ``MAX_RESULT_RECORDS`` rows of an ``unexpected_rows_query`` and how many it finds."""

    metric_name = METRIC
    value_keys = ("unexpected_rows_query",)
    query_param_name: ClassVar[str] = "unexpected_rows_query"

    @metric_value(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(
        cls,
        execution_engine: SqlAlchemyExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        selectable, _, _ = execution_engine.get_compute_domain(metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE)
        query = cls._get_query_from_metric_value_kwargs(metric_value_kwargs)
        subquery = cls._get_substituted_batch_subquery_from_query_and_batch_selectable(
            query=query, batch_selectable=selectable, execution_engine=execution_engine
        )
        derived = render_derived_table_alias(subquery, "unexpected_rows", execution_engine.dialect_name)
        rows = execution_engine.execute_query(sa.text(f"SELECT * FROM {derived} LIMIT {MAX_RESULT_RECORDS}")).fetchall()
        count = len(rows)
        if count == MAX_RESULT_RECORDS:  # maybe more: count them all (a failing check, the rare case)
            count = int(execution_engine.execute_query(sa.text(f"SELECT COUNT(*) FROM {derived}")).scalar_one())
        return {_ROWS: [row._asdict() for row in rows], _COUNT: count}


class UnexpectedRowsScannedOnce(UnexpectedRowsExpectation):  # type: ignore[misc]
    """GX's ``unexpected_rows_expectation`` with the same kwargs and results, on one metric."""

    metric_dependencies: ClassVar[tuple[str, ...]] = (METRIC,)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine: Any = None) -> Any:
        found = metrics[METRIC]
        given = {"unexpected_rows_query.table": found[_ROWS], "unexpected_rows_query.row_count": found[_COUNT]}
        return super()._validate(given, runtime_configuration, execution_engine)


EXPECTATION_TYPE: str = UnexpectedRowsScannedOnce.expectation_type
