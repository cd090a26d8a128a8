"""``feed.xml`` (Atom) and ``feed.json`` (JSON Feed 1.1): new versions and withdrawals, newest first.

Built from ``versions.json`` alone, with the events' own times (never "now"), so regenerating
them without a change gives the same bytes and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from flows.publish.site.model import DatasetView

MAX_EVENTS = 100
FEED_ID = "urn:wenshu-open-archive:feed"
FEED_TITLE = "Wenshu Open Archive — new versions and withdrawals"
EPOCH = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class Event:
    id: str
    at: str  # ISO 8601 UTC
    title: str
    summary: str
    link: str  # relative to the store root


def events(views: list[DatasetView]) -> list[Event]:
    found = []
    for view in views:
        for entry in view.versions:
            ref = f"{view.name}@{entry['version']}"
            link = f"{view.name}/index.html#v{entry['version']}"
            rows = ", ".join(f"{table} {count:,}" for table, count in sorted(entry.get("rows", {}).items()))
            found.append(Event(f"urn:wenshu-open-archive:{ref}:published", entry.get("published_at") or entry["created"],
                               f"{ref} published ({entry.get('change', '')})", f"{view.title}: version {entry['version']}. Rows: {rows}.",
                               link))  # fmt: skip
            if entry["status"] == "withdrawn":
                found.append(Event(f"urn:wenshu-open-archive:{ref}:withdrawn", entry.get("withdrawn_at") or EPOCH,
                                   f"{ref} withdrawn", f"{view.title}: version {entry['version']} was withdrawn. Reason: {entry.get('reason', '')}",
                                   link))  # fmt: skip
    return sorted(found, key=lambda e: (e.at, e.id), reverse=True)[:MAX_EVENTS]


def atom_feed(found: list[Event], base_url: str) -> bytes:
    """An Atom 1.0 document; links are relative to ``base_url`` (``xml:base``) so it works in place."""
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    generator.id(FEED_ID)
    generator.title(FEED_TITLE)
    generator.link(href="index.html", rel="alternate")
    generator.link(href="feed.xml", rel="self")
    generator.updated(found[0].at if found else EPOCH)
    generator.generator("wenshu-open-archive")
    for event in reversed(found):  # feedgen prepends
        item = generator.add_entry()
        item.id(event.id)
        item.title(event.title)
        item.summary(event.summary)
        item.updated(event.at)
        item.published(event.at)
        item.link(href=event.link, rel="alternate")
    xml = generator.atom_str(pretty=True)
    return xml.replace(b"<feed xmlns=", f'<feed xml:base="{_attr(base_url)}" xmlns='.encode(), 1)


def json_feed(found: list[Event], base_url: str) -> bytes:
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": FEED_TITLE,
        "home_page_url": base_url + "index.html",
        "feed_url": base_url + "feed.json",
        "items": [
            {"id": e.id, "url": base_url + e.link, "title": e.title, "content_text": e.summary, "date_published": e.at}
            for e in found
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
