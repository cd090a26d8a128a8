"""The drawing of each chart: rows in, PNG out (matplotlib's Agg backend, fixed size and metadata)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from flows.charts.labels import CHARGES, PROVINCES, ascii_label

Rows = list[tuple[Any, ...]]
DISABILITIES = ("none", "intellectual", "psychosocial", "physical", "unknown")


def _save(figure: Any, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})  # no version stamp: same data, same bytes
    plt.close(figure)


CASE_TYPES = {"刑事案件": "criminal", "民事案件": "civil", "行政案件": "administrative", "执行案件": "enforcement",
              "赔偿案件": "state compensation", "unknown": "unknown"}  # fmt: skip


def _stacked_bars(rows: Rows, labels: dict[str, str], path: Path, ylabel: str, title: str) -> None:
    """Rows of (year, category, count) as bars per year, stacked by the category's ASCII label."""
    years = sorted({int(year) for year, _, _ in rows})
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for year, category, count in rows:
        label = ascii_label(category, labels)
        counts[label][int(year)] = counts[label].get(int(year), 0) + int(count)
    figure, axis = plt.subplots(figsize=(8, 4))
    bottom = [0] * len(years)
    for label in sorted(counts):
        heights = [counts[label].get(year, 0) for year in years]
        axis.bar([str(year) for year in years], heights, bottom=bottom, label=label)
        bottom = [a + b for a, b in zip(bottom, heights, strict=True)]
    axis.tick_params(axis="x", labelrotation=45, labelsize=8)
    axis.set_ylabel(ylabel)
    axis.legend(fontsize=8)
    axis.set_title(title)
    _save(figure, path)


def judgments_by_year(rows: Rows, path: Path) -> None:
    _stacked_bars(rows, CASE_TYPES, path, "judgments archived", "Archived judgments by year of judgment and case type")


def publications_vs_removals(rows: Rows, path: Path) -> None:
    by_province: dict[str, list[tuple[Any, int, int]]] = defaultdict(list)
    for province, month, published, removed in rows:
        by_province[province].append((month, int(published), int(removed)))
    provinces = list(by_province)
    columns = min(3, len(provinces))
    lines = (len(provinces) + columns - 1) // columns
    figure, axes = plt.subplots(lines, columns, figsize=(4 * columns, 2.8 * lines), squeeze=False, sharex=True)
    for axis, province in zip(axes.flat, provinces, strict=False):
        series = sorted(by_province[province], key=lambda item: str(item[0]))
        months = [item[0] for item in series]
        axis.plot(months, [item[1] for item in series], label="published", color="#1f77b4")
        axis.plot(months, [item[2] for item in series], label="removed", color="#d62728")
        axis.set_title(ascii_label(province, PROVINCES), fontsize=10)
        axis.tick_params(axis="x", labelrotation=45, labelsize=7)
    for axis in list(axes.flat)[len(provinces) :]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    figure.suptitle("Judgments published vs removed per month, largest provinces")
    _save(figure, path)


def price_by_disability(rows: Rows, path: Path) -> None:
    prices: dict[str, list[int]] = defaultdict(list)
    for disability, price in rows:
        prices[str(disability)].append(int(price))
    groups = [name for name in DISABILITIES if prices.get(name)] + sorted(set(prices) - set(DISABILITIES))
    figure, axis = plt.subplots(figsize=(7, 4))
    axis.boxplot([prices[name] for name in groups])
    axis.set_xticks(range(1, len(groups) + 1), [f"{name}\n(n={len(prices[name])})" for name in groups])
    axis.set_ylabel("price paid (CNY)")
    axis.set_title("Trafficking cases: price paid by victim's disability")
    _save(figure, path)


def divorce_outcomes(rows: Rows, path: Path) -> None:
    labels = ["trafficking recognised" if recognised else "not recognised" for recognised, *_ in rows]
    shares = [100 * int(granted) / int(suits) if suits else 0 for _, suits, granted, _ in rows]
    figure, axis = plt.subplots(figsize=(6, 4))
    bars = axis.bar(labels, shares, color=["#2ca02c", "#7f7f7f"][: len(labels)])
    for bar, (_, suits, _, mean_suits) in zip(bars, rows, strict=True):
        axis.annotate(f"n={suits}, mean suits {float(mean_suits):.1f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=8)  # fmt: skip
    axis.set_ylabel("divorces granted (%)")
    axis.set_ylim(0, 110)
    axis.set_title("Divorce suits by trafficked women: share granted")
    _save(figure, path)


def detentions_by_charge(rows: Rows, path: Path) -> None:
    _stacked_bars(rows, CHARGES, path, "reported detentions", "Reported detentions of rights defenders by year and charge")
