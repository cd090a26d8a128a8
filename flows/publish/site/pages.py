"""Render the static pages with jinja2 (autoescaped): ``index.html`` and ``<dataset>/index.html``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from flows.publish.site.model import DatasetView

TEMPLATES = Path(__file__).parent / "templates"


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    value, unit = size / 1024, "KB"
    for larger in ("MB", "GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{value:,.1f} {unit}"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["filesize"] = filesize
    return env


def index_page(views: list[DatasetView]) -> bytes:
    return environment().get_template("index.html.j2").render(root="", views=views).encode("utf-8")


def dataset_page(view: DatasetView) -> bytes:
    return environment().get_template("dataset.html.j2").render(root="../", view=view).encode("utf-8")
