"""Charts for the package pages, rendered at publish time from the marts (DuckDB + matplotlib).

Each chart is a PNG plus the CSV of exactly the numbers it plots: the CSV is what the privacy
gate scans (and what a reader can check the picture against). A chart whose marts are missing
or empty is skipped, so a warehouse without monitor data or curated datasets still renders
what it can. Labels are ASCII (no CJK font is installed; provinces and charges are translated).
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from flows.charts import plots

log = logging.getLogger(__name__)

Rows = list[tuple[Any, ...]]

# name → (query over the marts, column names written to the CSV, plot function)
CHARTS: dict[str, tuple[str, tuple[str, ...], Callable[[Rows, Path], None]]] = {
    "publications_vs_removals_by_province": (
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
    "trafficking_price_by_disability": (
        "select victim_disability, price_cny from trafficking_cases where price_cny is not null order by 1, 2",
        ("victim_disability", "price_cny"),
        plots.price_by_disability,
    ),
    "trafficking_divorce_outcomes": (
        """select is_trafficking_recognised, count(*) as suits, sum(is_divorce_granted::int) as granted,
                  avg(suits_count) as mean_suits
           from trafficking_divorce group by 1 order by 1""",
        ("is_trafficking_recognised", "suits", "divorces_granted", "mean_suits_count"),
        plots.divorce_outcomes,
    ),
    "detentions_by_charge": (
        "select year(detention_date) as year, charge, count(*) as n from rights_defender_detentions group by all order by 1, 2",
        ("detention_year", "charge", "detentions"),
        plots.detentions_by_charge,
    ),
}


def render_charts(warehouse: Path, out_dir: Path) -> list[Path]:
    """Render every chart whose marts have rows; return the files written (``<name>.png`` and ``<name>.csv``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, (query, columns, plot) in CHARTS.items():
            try:
                rows = con.execute(query).fetchall()
            except duckdb.CatalogException as error:  # a mart this warehouse does not have
                log.info("chart skipped name=%s reason=%s", name, str(error).splitlines()[0])
                continue
            if not rows:
                log.info("chart skipped name=%s reason=no rows", name)
                continue
            data = out_dir / f"{name}.csv"
            with data.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(columns)
                writer.writerows(rows)
            image = out_dir / f"{name}.png"
            plot(rows, image)
            written += [image, data]
            log.info("chart rendered name=%s rows=%d", name, len(rows))
    return written
