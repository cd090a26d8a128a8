"""Charts for the package pages, rendered at publish time from the marts (DuckDB + matplotlib).

Each chart is a PNG plus the CSV of exactly the numbers it plots: the CSV is what the privacy
gate scans (and what a reader can check the picture against). A chart whose marts are missing
or empty is skipped, so a warehouse without monitor data or curated datasets still renders
what it can. Labels are ASCII (no CJK font is installed; provinces and charges are translated).
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from flows.charts import plots
from flows.duck import connect
from flows.errors import ConfigurationError

log = logging.getLogger(__name__)

Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Chart:
    title: str  # the figure caption on the dataset page and the description in datapackage.json
    query: str  # over the marts
    columns: tuple[str, ...]  # header of the CSV (the rows the query returns)
    plot: Callable[[Rows, Path], None]


@dataclass(frozen=True)
class RenderedChart:
    name: str
    title: str
    image: Path
    data: Path


# A dataset names the charts of its page in ``datapackage.yaml`` (``charts:``).
CHARTS: dict[str, Chart] = {
    "judgments_by_year": Chart(
        "Archived judgments by year of judgment and case type",
        """
        select year(judgment_date) as year, coalesce(case_type, 'unknown') as case_type, count(*) as n
        from judgments where judgment_date is not null group by all order by 1, 2
        """,
        ("judgment_year", "case_type", "judgments"),
        plots.judgments_by_year,
    ),
    "publications_vs_removals_by_province": Chart(
        "Judgments published vs removed per month in the six largest provinces",
        """
        with published as (
            select court_province, cast(date_trunc('month', cast(publish_month as date)) as date) as month, sum(documents_published) as n
            from publication_stats where court_province is not null group by all
        ),
        removed as (
            select court_province, cast(date_trunc('month', cast(removal_month as date)) as date) as month, sum(removals) as n
            from removal_stats where court_province is not null group by all
        ),
        top as (select court_province from published group by 1 order by sum(n) desc, 1 limit 6)
        select coalesce(p.court_province, r.court_province) as province, coalesce(p.month, r.month) as month,
               coalesce(p.n, 0) as published, coalesce(r.n, 0) as removed
        from published p
        full join removed r on r.court_province = p.court_province and r.month = p.month
        where province in (select court_province from top)
        order by 1, 2
        """,
        ("court_province", "month", "documents_published", "removals"),
        plots.publications_vs_removals,
    ),
    "trafficking_price_by_disability": Chart(
        "Trafficking cases: price paid, by the victim's disability",
        "select victim_disability, price_cny from trafficking_cases where price_cny is not null order by 1, 2",
        ("victim_disability", "price_cny"),
        plots.price_by_disability,
    ),
    "trafficking_divorce_outcomes": Chart(
        "Divorce suits by trafficked women: share granted, by whether the court recognised trafficking",
        """select is_trafficking_recognised, count(*) as suits, sum(is_divorce_granted::int) as granted,
                  avg(suits_count) as mean_suits
           from trafficking_divorce group by 1 order by 1""",
        ("is_trafficking_recognised", "suits", "divorces_granted", "mean_suits_count"),
        plots.divorce_outcomes,
    ),
    "detentions_by_charge": Chart(
        "Reported detentions of rights defenders by year and charge",
        "select year(detention_date) as year, charge, count(*) as n from rights_defender_detentions group by all order by 1, 2",
        ("detention_year", "charge", "detentions"),
        plots.detentions_by_charge,
    ),
}


def check_chart_names(names: Iterable[str]) -> list[str]:
    names = list(names)
    unknown = [name for name in names if name not in CHARTS]
    if unknown:
        raise ConfigurationError(f"unknown chart(s) {', '.join(unknown)}; known charts: {', '.join(CHARTS)}")
    return names


def render_charts(warehouse: Path, out_dir: Path, names: Iterable[str] | None = None) -> list[RenderedChart]:
    """Render the charts ``names`` (default: all) whose marts have rows, as ``<name>.png`` + ``<name>.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered: list[RenderedChart] = []
    with connect(warehouse, read_only=True) as con:  # the settings' limits; shares the file with a carry
        for name in check_chart_names(CHARTS if names is None else names):
            chart = CHARTS[name]
            try:
                rows = con.execute(chart.query).fetchall()
            except duckdb.CatalogException as error:  # a mart this warehouse does not have
                log.info("chart skipped name=%s reason=%s", name, str(error).splitlines()[0])
                continue
            if not rows:
                log.info("chart skipped name=%s reason=no rows", name)
                continue
            data = out_dir / f"{name}.csv"
            with data.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(chart.columns)
                writer.writerows(rows)
            image = out_dir / f"{name}.png"
            chart.plot(rows, image)
            rendered.append(RenderedChart(name, chart.title, image, data))
            log.info("chart rendered name=%s rows=%d", name, len(rows))
    return rendered
