"""Charts render from whatever marts exist, skip the missing ones, and their data passes the gate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.charts.render import CHARTS, RenderedChart, render_charts
from flows.errors import ConfigurationError
from flows.privacy import CANARY_NAMES, check_files
from flows.publish.datasets import dataset_names, load_dataset


def _warehouse(path: Path, with_stats: bool) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table trafficking_cases as select * from (values ('intellectual', 30000), ('none', 12000), "
            "('intellectual', 45000), ('physical', 20000)) t(victim_disability, price_cny)"
        )
        con.execute(
            "create table trafficking_divorce as select * from (values (true, true, 2), (true, false, 3), (false, false, 1)) "
            "t(is_trafficking_recognised, is_divorce_granted, suits_count)"
        )
        con.execute("create table rights_defender_detentions (detention_date date, charge varchar)")
        con.executemany(
            "insert into rights_defender_detentions values (?, ?)",
            [(date(2015, 7, 9), "煽动颠覆国家政权"), (date(2015, 7, 10), "寻衅滋事"), (date(2018, 1, 3), "寻衅滋事")],
        )
        if with_stats:
            con.execute(
                "create table publication_stats as select * from (values (date '2021-01-01', '河南省', 10), "
                "(date '2021-02-01', '河南省', 12), (date '2021-01-01', '云南省', 4)) t(publish_month, court_province, documents_published)"
            )
            con.execute(
                "create table removal_stats as select * from (values (date '2021-02-01', '河南省', 3)) "
                "t(removal_month, court_province, removals)"
            )
    return path


def _files(charts: list[RenderedChart]) -> list[Path]:
    return [path for chart in charts for path in (chart.image, chart.data)]


def test_render_charts_writes_a_png_and_its_data_per_chart(tmp_path: Path) -> None:
    files = _files(render_charts(_warehouse(tmp_path / "w.duckdb", with_stats=True), tmp_path / "charts"))
    names = sorted(path.name for path in files)
    assert names == sorted(
        f"{chart}.{suffix}"
        for chart in ("publications_vs_removals_by_province", "trafficking_price_by_disability",
                      "trafficking_divorce_outcomes", "detentions_by_charge")
        for suffix in ("png", "csv")
    )  # fmt: skip
    assert all(path.read_bytes()[:4] == b"\x89PNG" for path in files if path.suffix == ".png")
    data = (tmp_path / "charts" / "publications_vs_removals_by_province.csv").read_text(encoding="utf-8").splitlines()
    assert data[0] == "court_province,month,documents_published,removals"
    assert "河南省,2021-02-01,12,3" in data
    check_files(files, CANARY_NAMES)


def test_charts_whose_marts_are_missing_are_skipped(tmp_path: Path) -> None:
    files = _files(render_charts(_warehouse(tmp_path / "w.duckdb", with_stats=False), tmp_path / "charts"))
    assert "publications_vs_removals_by_province.png" not in {path.name for path in files}
    assert len(files) == 6


def test_same_data_same_png_bytes(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb", with_stats=False)
    first = {p.name: p.read_bytes() for p in _files(render_charts(warehouse, tmp_path / "a"))}
    second = {p.name: p.read_bytes() for p in _files(render_charts(warehouse, tmp_path / "b"))}
    assert first == second


def test_only_the_named_charts_render_and_unknown_names_are_refused(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb", with_stats=True)
    charts = render_charts(warehouse, tmp_path / "one", ["detentions_by_charge"])
    assert [chart.name for chart in charts] == ["detentions_by_charge"]
    assert charts[0].title.startswith("Reported detentions")
    with pytest.raises(ConfigurationError, match="unknown chart"):
        render_charts(warehouse, tmp_path / "two", ["detentions_by_charge", "pie_of_everything"])


def test_every_chart_a_dataset_names_exists() -> None:
    named = {chart for name in dataset_names() for chart in load_dataset(name).charts}
    assert named and named <= set(CHARTS)
    assert all(load_dataset(name).charts for name in dataset_names()), "every package page shows at least one chart"
