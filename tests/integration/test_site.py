"""The store's pages in a real browser, and a consumer's checks on a downloaded package.

The pipeline's steps publish 1.0.0 of synthetic data into a local store, a correction 1.0.1; headless
Chromium (Debian's ``chromium``, installed by ``make browser``) renders the catalog and the
dataset page to PNG, and every link in the DOM it parsed must resolve to a file in the store.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from selectolax.lexbor import LexborHTMLParser

from flows.checksums import sha256_file
from flows.errors import IntegrityError
from flows.publish.consume import download, verify_store
from flows.storage import open_storage

pytestmark = [pytest.mark.integration]

DATASET = "cjo-judgments"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("Debian's chromium is not installed: run `make browser`")
    profile = tmp / f"chromium-profile-{len(list(tmp.glob('chromium-profile-*')))}"
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def two_versions(workdirs: Path) -> Path:
    """1.0.0 from a pipeline run; 1.0.1 from its tables with two judgments removed and one corrected."""
    from flows.charts.render import render_charts
    from flows.pipeline import steps
    from flows.pipeline.context import RunContext
    from flows.publish.datasets import load_dataset
    from flows.publish.export import export_table
    from flows.publish.history import chart_package_files
    from flows.publish.publisher import publish_dataset
    from flows.synth import generate_landing

    landing, store = workdirs / "landing", workdirs / "store"
    generate_landing(landing, judgments=200, seed=21, observations=True)
    context = RunContext.create(landing=str(landing), store=str(store), work=str(workdirs / "work"))
    for key in steps.list_landing(context):  # the pipeline's steps without Prefect (its flows are tested elsewhere)
        steps.ingest_one(context, key)
    steps.transform(context)
    assert steps.publish(context, DATASET)["version"] == "1.0.0"

    spec = load_dataset(DATASET)
    descriptor = orjson.loads((store / DATASET / "1.0.0/datapackage.json").read_bytes())
    schemas = {r["path"].split("/")[-1].split(".")[0]: r["schema"] for r in descriptor["resources"]}
    warehouse = workdirs / "corrected.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for resource in spec.resources:
            con.execute(f"create table {resource.name} as select * from '{store / DATASET}/1.0.0/data/{resource.name}.parquet'")
        gone = "(select doc_id from judgments order by doc_id limit 2)"
        con.execute(f"delete from judgment_texts where doc_id in {gone}; delete from judgments where doc_id in {gone}")
        con.execute("update judgments set title = title || ' (corrected)' where doc_id = (select max(doc_id) from judgments)")
    files = []
    for resource in spec.resources:
        files += export_table(warehouse, resource.name, resource.name, list(resource.formats),
                              schemas[resource.name]["primaryKey"], workdirs / "export")  # fmt: skip
    charts = chart_package_files(render_charts(warehouse, workdirs / "charts", spec.charts))
    second = publish_dataset(open_storage(str(store)), spec, files, schemas, {}, "corrections", charts)
    assert second.version == "1.0.1" and second.change == "patch"
    return store


def local_links(html: str) -> list[str]:
    tree = LexborHTMLParser(html)
    hrefs = [node.attributes.get("href") or "" for node in tree.css("a[href], link[href]")]
    hrefs += [node.attributes.get("src") or "" for node in tree.css("img[src]")]
    return [h for h in hrefs if not urlsplit(h).scheme and not h.startswith("#")]


def test_pages_links_and_a_consumers_checks(workdirs: Path):
    store = two_versions(workdirs)
    check_pages(workdirs, store)
    check_downloaded_package(workdirs, store)


def check_pages(workdirs: Path, store: Path) -> None:
    pages = {"index.html": store / "index.html", "dataset": store / DATASET / "index.html"}
    for name, page in pages.items():
        dom = chromium(workdirs, "--dump-dom", page.as_uri()).stdout
        assert "</html>" in dom, name
        links = local_links(dom)
        assert links, f"{name} has no links"
        for href in links:
            target = (page.parent / unquote(urlsplit(href).path)).resolve()
            assert target.is_file() and store.resolve() in target.parents, f"{name}: broken link {href}"
        shot = workdirs / f"{page.parent.name}.png"
        chromium(workdirs, "--window-size=1280,2200", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri())
        assert shot.stat().st_size > 10_000
        shutil.copy(shot, "/tmp/catalog.png" if name == "index.html" else "/tmp/catalog-dataset.png")
    page = pages["dataset"].read_text(encoding="utf-8")
    for expected in ("1.0.1/data/judgments.parquet", "1.0.1/data/deltas/judgments.parquet", "1.0.1/CHANGELOG.md",
                     "1.0.0/datapackage.json", "CITATION.cff", "read_parquet(", "doc_id",
                     '<img src="1.0.1/charts/judgments_by_year.png"', "1.0.1/charts/judgments_by_year.csv"):  # fmt: skip
        assert expected in page
    assert "<script" not in page  # nothing executable; every value is escaped


def check_downloaded_package(workdirs: Path, store_dir: Path) -> None:
    from flows.publish.package_check import validate_package

    store = open_storage(str(store_dir))
    assert verify_store(store, workdirs / "scratch").ok
    folder = download(store, DATASET, workdirs / "downloads")
    assert (folder / "data/deltas/judgments.parquet").is_file() and (folder / "CHANGELOG.md").is_file()
    changelog = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    for table, changed in (("judgments", 1), ("judgment_texts", 0)):
        before, now = re.search(rf"\| {table} \| ([\d,]+) \| ([\d,]+) \| 0 \| {changed} \| 2 \|", changelog).groups()  # type: ignore[union-attr]
        assert int(before.replace(",", "")) - int(now.replace(",", "")) == 2

    checked = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", str(folder / "datapackage.json")],
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    for task in orjson.loads(checked.stdout)["tasks"]:  # Parquet sizes: frictionless 5 cannot count them
        assert all(e["type"] == "byte-count" and '"None"' in e["note"] for e in task["errors"]), (
            task["name"],
            task["errors"][:2],
        )

    report = validate_package(folder)
    assert report.passed, report.to_dict()

    # A consumer's own copy with a duplicated judgment: the hashes are fixed up, the expectations still catch it.
    parquet = folder / "data/judgments.parquet"
    table = pq.read_table(parquet)
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), parquet)
    descriptor = orjson.loads((folder / "datapackage.json").read_bytes())
    with pytest.raises(IntegrityError, match=r"judgments\.parquet"):
        validate_package(folder)
    for resource in descriptor["resources"]:
        if resource["path"] == "data/judgments.parquet":
            resource["bytes"], resource["hash"] = parquet.stat().st_size, "sha256:" + sha256_file(parquet)
    (folder / "datapackage.json").write_bytes(orjson.dumps(descriptor))
    failed = validate_package(folder)
    assert not failed.passed
    assert "one row per doc_id" in [outcome.description for _, outcome in failed.failures("critical")]
