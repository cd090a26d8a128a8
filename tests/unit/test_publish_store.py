"""A store with several versions: deltas, changelog, citation, catalog, pages, feeds and withdrawal.

Tables are tiny Parquet/CSV files written with pyarrow; publishing goes through the real
publisher into a local folder and, once, into the in-process S3 server.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from flows import layout
from flows.errors import PublishError
from flows.publish import pointers
from flows.publish.consume import download, verify_store
from flows.publish.datasets import DatasetSpec
from flows.publish.export import ExportedFile, sha256_file
from flows.publish.publisher import publish_dataset
from flows.publish.withdraw import withdraw
from flows.storage import Storage, open_storage

DATASET = "sample-cases"
SCHEMAS: dict[str, dict[str, Any]] = {
    "cases": {"fields": [{"name": "doc_id", "type": "string", "description": "Document id."},
                         {"name": "court", "type": "string", "description": "Court <b>name</b>."},
                         {"name": "year", "type": "integer", "description": "Year judged."}], "primaryKey": ["doc_id"]},
    "courts": {"fields": [{"name": "court", "type": "string"}, {"name": "level", "type": "integer"}], "primaryKey": ["court"]},
}  # fmt: skip
SPEC = DatasetSpec.model_validate({
    "name": DATASET, "title": "Sample <cases> & courts", "description": "Tiny cases for the publishing tests.",
    "keywords": ["test", "法院"], "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
    "sources": [{"title": "Synthetic", "path": "https://example.org/"}], "contributors": [{"title": "Test team", "roles": ["publisher"]}],
    "citation": "Test team. {title}, version {version} ({year}), {id}.",
    "resources": [{"name": "cases", "model": "cases", "formats": ["csv", "parquet"]},
                  {"name": "courts", "model": "courts", "formats": ["parquet"]}],
})  # fmt: skip


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WENSHU_SCRATCH_DIR", str(tmp_path / "scratch"))
    from flows.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def export(out: Path, cases: dict[str, tuple[str, int]]) -> list[ExportedFile]:
    """The files a run exports: ``cases`` (doc_id → court, year) as CSV + Parquet, a fixed courts table."""
    ids = sorted(cases)
    tables = {
        "cases": pa.table({"doc_id": ids, "court": [cases[i][0] for i in ids], "year": [cases[i][1] for i in ids]}),
        "courts": pa.table({"court": ["c1", "c2"], "level": [1, 2]}),
    }
    files = []
    for resource, formats in (("cases", ("csv", "parquet")), ("courts", ("parquet",))):
        for fmt in formats:
            package_path = layout.resource_path(resource, fmt)
            target = out / package_path
            target.parent.mkdir(parents=True, exist_ok=True)
            (pa_csv.write_csv if fmt == "csv" else pq.write_table)(tables[resource], target)
            files.append(ExportedFile(resource, fmt, target, package_path, target.stat().st_size, sha256_file(target), len(tables[resource])))
    return files


def publish(store: Storage, out: Path, cases: dict[str, tuple[str, int]]):
    return publish_dataset(store, SPEC, export(out, cases), SCHEMAS, {"cases": "Cases.", "courts": "Courts."}, "run-1")


V1 = {"a": ("c1", 2014), "b": ("c2", 2015), "c": ("c1", 2016)}
V2 = {"a": ("c1", 2014), "b": ("c2", 2019), "d": ("c2", 2020), "e": ("c1", 2021)}  # b changed, c removed, d and e added


def two_versions(store: Storage, tmp_path: Path) -> None:
    assert publish(store, tmp_path / "e1", V1).version == "1.0.0"
    second = publish(store, tmp_path / "e2", V2)
    assert second.version == "1.1.0" and second.change == "minor"


def test_two_versions_exact_file_set_deltas_changelog_and_descriptor(tmp_path: Path):
    store = open_storage(str(tmp_path / "store"))
    two_versions(store, tmp_path)
    files = sorted(str(p.relative_to(tmp_path / "store")) for p in (tmp_path / "store").rglob("*") if p.is_file())
    package = ["CHANGELOG.md", "CITATION.cff", "data/cases.csv", "data/cases.parquet", "data/courts.parquet", "datapackage.json"]
    assert files == sorted([
        "catalog.json", "index.html", "feed.xml", "feed.json",
        f"{DATASET}/index.html", f"{DATASET}/latest.json", f"{DATASET}/versions.json",
        *(f"{DATASET}/1.0.0/{f}" for f in package),
        *(f"{DATASET}/1.1.0/{f}" for f in [*package, "data/deltas/cases.parquet"]),  # courts unchanged: no delta
    ])  # fmt: skip
    root = tmp_path / "store" / DATASET / "1.1.0"
    rows = duckdb.sql(f"select change, doc_id, changed_columns from '{root}/data/deltas/cases.parquet'").fetchall()
    assert rows == [("changed", "b", "year"), ("removed", "c", ""), ("added", "d", ""), ("added", "e", "")]
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "| cases | 3 | 4 | 2 | 1 | 1 |" in changelog and "| courts | 2 | 2 | 0 | 0 | 0 |" in changelog

    descriptor = orjson.loads((root / "datapackage.json").read_bytes())
    for name in ("$schema", "id", "name", "title", "version", "created", "licenses", "sources", "contributors", "keywords", "citation"):
        assert descriptor[name], name
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert descriptor["version"] == "1.1.0" and "version 1.1.0" in descriptor["citation"]
    names = [r["name"] for r in descriptor["resources"]]
    assert names == ["cases-csv", "cases-parquet", "courts", "cases-delta"]
    delta = descriptor["resources"][-1]
    assert delta["path"] == "data/deltas/cases.parquet" and delta["schema"]["primaryKey"] == ["doc_id"]
    assert [f["path"] for f in descriptor["files"]] == ["CHANGELOG.md", "CITATION.cff"]
    for item in descriptor["resources"] + descriptor["files"]:
        assert item["hash"] == "sha256:" + sha256_file(root / item["path"]) and item["bytes"] == (root / item["path"]).stat().st_size

    index = orjson.loads((tmp_path / "store" / DATASET / "versions.json").read_bytes())
    assert index["last_successful"] == "1.1.0"
    latest = index["versions"][-1]
    assert latest["previous"] == "1.0.0" and latest["deltas"] == {"cases": {"added": 2, "changed": 1, "removed": 1}}
    assert latest["rows"] == {"cases": 4, "courts": 2} and latest["tables"]["cases"]["content_hash"].startswith("sha256:")

    audit = verify_store(store, tmp_path / "scratch")
    assert audit.ok and audit.checked_files == 5 + 6, audit.problems
    folder = download(store, DATASET, tmp_path / "dl", resources=["cases"])
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        "CHANGELOG.md", "CITATION.cff", "data/cases.csv", "data/cases.parquet", "datapackage.json"]  # fmt: skip
    assert (download(store, DATASET, tmp_path / "dl2", resources=["cases-delta"]) / "data/deltas/cases.parquet").is_file()

    # Unchanged content: nothing published, no store file rewritten.
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "store").rglob("*") if p.is_file()}
    again = publish(store, tmp_path / "e3", V2)
    assert not again.published and again.version == "1.1.0"
    assert before == {p: p.stat().st_mtime_ns for p in (tmp_path / "store").rglob("*") if p.is_file()}

    # A correction only (no new key): PATCH.
    third = publish(store, tmp_path / "e4", {**V2, "a": ("c2", 2014)})
    assert third.version == "1.1.1" and third.change == "patch"


def test_catalog_pages_and_feeds(tmp_path: Path):
    store = open_storage(str(tmp_path / "store"))
    two_versions(store, tmp_path)
    root = tmp_path / "store"
    catalog = orjson.loads((root / "catalog.json").read_bytes())
    [item] = catalog["datasets"]
    assert item["name"] == DATASET and item["version"] == "1.1.0" and item["package"] == f"{DATASET}/1.1.0/datapackage.json"
    assert (root / item["package"]).is_file() and (root / item["page"]).is_file()

    page = (root / DATASET / "index.html").read_text(encoding="utf-8")
    assert "Sample &lt;cases&gt; &amp; courts" in page and "<cases>" not in page  # autoescaped
    assert "Court &lt;b&gt;name&lt;/b&gt;." in page  # data dictionary from the schema
    assert "1.1.0/data/cases.parquet" in page and sha256_file(root / DATASET / "1.1.0/data/cases.parquet") in page
    assert "read_parquet(" in page and "pandas.read_parquet(" in page and "arrow::read_parquet(" in page
    assert "Test team. Sample &lt;cases&gt; &amp; courts, version 1.1.0" in page  # how to cite
    assert "<td title=\"d\">d</td>" in page  # preview of the first rows

    atom = ET.fromstring((root / "feed.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)]
    assert titles == [f"{DATASET}@1.1.0 published (minor)", f"{DATASET}@1.0.0 published (initial)"]
    assert atom.findtext("a:id", namespaces=ns) and atom.findtext("a:updated", namespaces=ns)
    feed = orjson.loads((root / "feed.json").read_bytes())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"]
    assert [i["id"] for i in feed["items"]] == [f"urn:wenshu-open-archive:{DATASET}@1.1.0:published",
                                                f"urn:wenshu-open-archive:{DATASET}@1.0.0:published"]  # fmt: skip
    assert all({"id", "url", "title", "content_text", "date_published"} <= set(i) for i in feed["items"])


def test_withdraw_leaves_a_tombstone_and_moves_latest_back(tmp_path: Path):
    store = open_storage(str(tmp_path / "store"))
    two_versions(store, tmp_path)
    descriptor_sha = pointers.newest_published(pointers.read_json(store, layout.versions_index(DATASET)))["descriptor_sha256"]
    entry = withdraw(store, DATASET, "1.1.0", "names a <minor>  victim")
    assert entry["status"] == "withdrawn" and entry["reason"] == "names a <minor> victim"

    folder = tmp_path / "store" / DATASET / "1.1.0"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == ["TOMBSTONE.json"]
    tombstone = orjson.loads((folder / "TOMBSTONE.json").read_bytes())
    assert tombstone["reason"] == "names a <minor> victim" and tombstone["descriptor_sha256"] == descriptor_sha
    assert {f["path"] for f in tombstone["files"]} >= {"data/cases.parquet", "CHANGELOG.md"}
    index = pointers.read_json(store, layout.versions_index(DATASET))
    assert index["last_successful"] == "1.0.0" and len(index["versions"]) == 2
    assert pointers.read_json(store, layout.latest_pointer(DATASET))["version"] == "1.0.0"
    assert pointers.read_json(store, layout.CATALOG)["datasets"][0]["version"] == "1.0.0"

    audit = verify_store(store, tmp_path / "scratch")
    assert audit.ok, audit.problems
    with pytest.raises(PublishError, match=r"1\.1\.0 is withdrawn: names a <minor> victim"):
        download(store, f"{DATASET}@1.1.0", tmp_path / "dl")
    assert (download(store, DATASET, tmp_path / "dl") / "data/cases.parquet").is_file()  # latest is 1.0.0 again

    feed = orjson.loads((tmp_path / "store" / "feed.json").read_bytes())
    assert feed["items"][0]["title"] == f"{DATASET}@1.1.0 withdrawn" and "names a <minor> victim" in feed["items"][0]["content_text"]
    page = (tmp_path / "store" / DATASET / "index.html").read_text(encoding="utf-8")
    assert "names a &lt;minor&gt; victim" in page and "1.1.0/TOMBSTONE.json" in page

    assert withdraw(store, DATASET, "1.1.0", "again")["reason"] == "names a <minor> victim"  # idempotent
    (tmp_path / "store" / DATASET / "1.1.0" / "data").mkdir(exist_ok=True)
    (tmp_path / "store" / DATASET / "1.1.0" / "data" / "cases.csv").write_text("left over")
    assert any("files remain" in p for p in verify_store(store, tmp_path / "scratch").problems)

    withdraw(store, DATASET, "1.0.0", "whole dataset taken down")
    assert pointers.read_json(store, layout.latest_pointer(DATASET)) is None
    assert pointers.read_json(store, layout.CATALOG)["datasets"] == []
    with pytest.raises(PublishError, match="no published version"):
        download(store, DATASET, tmp_path / "dl3")
    with pytest.raises(PublishError, match="does not exist"):
        withdraw(store, DATASET, "9.9.9", "nope")


def test_two_versions_on_s3(tmp_path: Path, s3_bucket: str):
    store = open_storage(f"{s3_bucket}/public")
    two_versions(store, tmp_path)
    keys = set(store.list())
    assert {f"{DATASET}/1.1.0/data/deltas/cases.parquet", f"{DATASET}/1.1.0/CHANGELOG.md", "index.html", "feed.xml"} <= keys
    assert verify_store(store, tmp_path / "scratch").ok
    entry = pointers.read_json(store, layout.versions_index(DATASET))["versions"][-1]
    assert entry["deltas"] == {"cases": {"added": 2, "changed": 1, "removed": 1}}
    withdraw(store, DATASET, "1.1.0", "test")
    assert sorted(k for k in store.list(f"{DATASET}/1.1.0/")) == [f"{DATASET}/1.1.0/TOMBSTONE.json"]
    assert verify_store(store, tmp_path / "scratch").ok
