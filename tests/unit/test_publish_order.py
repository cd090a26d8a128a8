"""The publish step starts the datasets that write the most rows first: their weights."""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows.publish.datasets import dataset_names, export_rows


def test_each_dataset_weighs_the_rows_it_exports_once_per_format(tmp_path: Path) -> None:
    warehouse = tmp_path / "wenshu.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table judgments as select range as doc_id from range(100)")  # csv and parquet
        con.execute("create table judgment_texts as select range as doc_id from range(90)")  # parquet only
        con.execute("create table courts as select range as court_id from range(5)")  # csv and parquet
        con.execute("create table availability as select range as doc_id from range(70)")

    weights = export_rows(warehouse, dataset_names())

    assert weights["cjo-judgments"] == 100 * 2 + 90 + 5 * 2
    assert 0 < weights["cjo-availability"] < weights["cjo-judgments"]
    assert weights["trafficking-cases"] == 0  # its model is not in this warehouse
    assert export_rows(tmp_path / "absent.duckdb", dataset_names()) == {}
