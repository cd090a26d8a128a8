"""Charts render from whatever marts exist, skip the missing ones, and their data passes the gate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from flows.charts.render import render_charts
from flows.privacy import CANARY_NAMES, check_files


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


def test_render_charts_writes_a_png_and_its_data_per_chart(tmp_path: Path) -> None:
    files = render_charts(_warehouse(tmp_path / "w.duckdb", with_stats=True), tmp_path / "charts")
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
    files = render_charts(_warehouse(tmp_path / "w.duckdb", with_stats=False), tmp_path / "charts")
    assert "publications_vs_removals_by_province.png" not in {path.name for path in files}
    assert len(files) == 6


def test_same_data_same_png_bytes(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb", with_stats=False)
    first = {p.name: p.read_bytes() for p in render_charts(warehouse, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in render_charts(warehouse, tmp_path / "b")}
    assert first == second
