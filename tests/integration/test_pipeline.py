"""The parent flow end to end on synthetic data, into a local store and into a real S3 server."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.errors import ValidationFailed
from flows.privacy import check_files
from flows.publish import carry
from flows.publish.consume import download, verify_store
from flows.publish.datasets import dataset_names, load_dataset
from flows.publish.export import export_table
from flows.settings import get_settings
from flows.storage import open_storage

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("prefect"), pytest.mark.usefixtures("prefect_server")]

DATA_FILES = [
    "data/courts.csv",
    "data/courts.parquet",
    "data/judgment_texts.parquet",
    "data/judgments.csv",
    "data/judgments.parquet",
]


def synth(out: Path, judgments: int, seed: int, curation: bool = False) -> None:
    from flows.synth import generate_landing
    from flows.synth.curation import generate_curation, plant_canaries

    generate_landing(out, judgments=judgments, seed=seed, observations=True)
    if curation:  # curated datasets, and made-up victim names the privacy gate must keep out
        plant_canaries(out, seed)
        generate_curation(out, seed)


def distinct_docs(landing: Path) -> int:
    """Documents in a landing zone (the generator re-captures about 1% of them)."""
    files = f"['{landing}/scraper/**/*.jsonl.gz', '{landing}/scraper/**/*.jsonl']"
    return duckdb.sql(f"select count(distinct doc_id) from read_json_auto({files}, union_by_name = true)").fetchone()[0]


def assert_frictionless_valid(descriptor: Path) -> None:
    """``frictionless validate`` passes every row, field, hash and size check.

    One known limitation of frictionless 5 is tolerated: its Parquet reader does not count
    bytes, so it reports a byte-count error with actual "None" for Parquet resources (it skips
    the hash check in that case). Sizes of Parquet files are checked by our own verify instead.
    """
    checked = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", str(descriptor)],
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    report = orjson.loads(checked.stdout)
    assert report["tasks"], checked.stderr[-2000:]
    parquet = {r["name"] for r in orjson.loads(descriptor.read_bytes())["resources"] if r["format"] == "parquet"}
    for task in report["tasks"]:
        unexpected = [
            e for e in task["errors"] if not (e["type"] == "byte-count" and task["name"] in parquet and '"None"' in e["note"])
        ]
        assert not unexpected, (task["name"], unexpected[:3])
        assert task["stats"]["rows"] > 0


def judgments_result(result: dict) -> dict:
    return next(p for p in result["publish"] if p["dataset"] == "cjo-judgments")


def run(landing: Path, store: str, work: str) -> dict:
    from flows.pipeline.run_flow import run_flow

    return run_flow(str(landing), store, work)


def test_local_store_end_to_end(workdirs: Path):
    landing, store_dir, work_dir = workdirs / "landing", workdirs / "store", workdirs / "work"
    synth(landing, 400, seed=7, curation=True)
    first = run(landing, str(store_dir), str(work_dir))

    assert first["status"] == "succeeded"
    ingest = first["ingest"]
    assert ingest["reconciles"]
    judgments = ingest["tables"]["judgments"]
    assert judgments["read"] == judgments["accepted"] + judgments["quarantined"] and judgments["accepted"] == 406  # 6 canaries
    assert first["curation"]["reconciles"] and first["curation"]["totals"]["quarantined"] > 0
    published = judgments_result(first)
    docs = distinct_docs(landing)
    assert published["published"] and published["version"] == "1.0.0" and published["tables"]["judgments"] == docs
    # the full exports kept their rows' signatures, for the next publish to find the changed rows by
    cache = Path(get_settings().scratch_dir) / "cache" / "exports"
    for resource in ("judgments", "judgment_texts", "courts"):
        signed = carry.last_signatures(cache, "cjo-judgments", resource)
        assert signed is not None and pq.read_metadata(signed).num_rows == published["tables"][resource]

    # The exact published file set: nothing private, nothing half-written.
    files = {str(p.relative_to(store_dir)) for p in store_dir.rglob("*") if p.is_file()}
    expected = {"catalog.json", "index.html", "feed.xml", "feed.json"}
    for dataset in dataset_names():
        listed = orjson.loads((store_dir / dataset / "1.0.0/datapackage.json").read_bytes())
        paths = [r["path"] for r in listed["resources"]] + [f["path"] for f in listed.get("files", [])]
        expected |= {f"{dataset}/{name}" for name in ("versions.json", "latest.json", "index.html", "1.0.0/datapackage.json")}
        expected |= {f"{dataset}/1.0.0/{path}" for path in paths}
    assert files == expected
    assert {f for f in files if f.startswith("cjo-judgments/1.0.0/data/")} == {f"cjo-judgments/1.0.0/{f}" for f in DATA_FILES}
    assert {"cjo-judgments/1.0.0/CHANGELOG.md", "cjo-judgments/1.0.0/CITATION.cff"} <= files
    for dataset in dataset_names():  # every package carries its charts: the picture and its numbers
        charts = {f for f in files if f.startswith(f"{dataset}/1.0.0/charts/")}
        assert charts and {Path(f).suffix for f in charts} == {".png", ".csv"}, dataset
        assert 'src="1.0.0/charts/' in (store_dir / dataset / "index.html").read_text(encoding="utf-8")
    check_files([store_dir / f for f in files])  # no canary name in any published byte
    versions = orjson.loads((store_dir / "cjo-judgments/versions.json").read_bytes())
    assert versions["last_successful"] == "1.0.0"
    [entry] = versions["versions"]
    assert entry["status"] == "published" and entry["rows"]["judgments"] == docs
    descriptor_bytes = (store_dir / "cjo-judgments/1.0.0/datapackage.json").read_bytes()
    assert entry["descriptor_sha256"] == hashlib.sha256(descriptor_bytes).hexdigest()
    assert orjson.loads((store_dir / "cjo-judgments/latest.json").read_bytes())["version"] == "1.0.0"
    catalog = orjson.loads((store_dir / "catalog.json").read_bytes())
    assert [d["name"] for d in catalog["datasets"]] == dataset_names()

    descriptor = orjson.loads(descriptor_bytes)
    judgments_schema = next(r for r in descriptor["resources"] if r["name"] == "judgments-parquet")["schema"]
    assert judgments_schema["primaryKey"] == ["doc_id"]
    assert {"doc_id", "case_number", "court_name", "judgment_date", "text_sha256"} <= {
        f["name"] for f in judgments_schema["fields"]
    }
    assert all(f.get("description") for f in judgments_schema["fields"])
    assert all(r["hash"].startswith("sha256:") and r["bytes"] > 0 for r in descriptor["resources"])

    audit = verify_store(open_storage(str(store_dir)), workdirs / "scratch")
    assert audit.ok and audit.checked_versions == len(dataset_names()), audit.problems
    folder = download(open_storage(str(store_dir)), "cjo-judgments", workdirs / "downloads")
    assert_frictionless_valid(folder / "datapackage.json")
    rows = duckdb.sql(f"select count(*), count(distinct doc_id) from '{folder}/data/judgments.parquet'").fetchone()
    assert rows == (docs, docs)

    # Same input again: nothing new is published.
    again = run(landing, str(store_dir), str(work_dir))
    assert again["ingest"]["totals"]["files_unchanged"] == again["ingest"]["totals"]["files"]
    assert again["status"] == "unchanged" and again["unchanged_since"] == first["run_id"]  # stopped after ingest
    assert "transform" not in again and "validate_raw" not in again
    assert not any(p["published"] for p in again["publish"])
    assert judgments_result(again)["version"] == "1.0.0"

    # New judgments arrive, and the monitor finds an archived judgment removed: a MINOR version,
    # the old one untouched, and the removal labelled in the availability delta.
    before = {p: p.read_bytes() for p in (store_dir / "cjo-judgments/1.0.0").rglob("*") if p.is_file()}
    availability = store_dir / "cjo-availability/1.0.0/data/availability.parquet"
    [(gone,)] = duckdb.sql(f"select min(doc_id) from '{availability}' where current_status = 'available'").fetchall()
    monitor = landing / "monitor" / "batch-2" / "observations.jsonl"
    monitor.parent.mkdir(parents=True)
    check = {"doc_id": gone, "checked_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "removed",
             "http_status": 200, "reason": "06"}  # fmt: skip
    monitor.write_bytes(orjson.dumps(check) + b"\n")
    synth(workdirs / "more", 50, seed=8)
    for path in (workdirs / "more/scraper").rglob("*.jsonl.gz"):
        target = landing / "scraper" / "batch-2" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    third = run(landing, str(store_dir), str(work_dir))
    assert third["status"] == "succeeded" and third["validate_raw"]["partitions"] == 1  # only the new file's rows
    assert judgments_result(third)["version"] == "1.1.0" and judgments_result(third)["change"] == "minor"
    assert judgments_result(third)["tables"]["judgments"] == distinct_docs(landing)
    # 1.0.0's exports were carried over, not exported again, and are the bytes a full export writes
    assert judgments_result(first)["carried_over"] == []
    assert judgments_result(third)["carried_over"] == ["courts", "judgment_texts", "judgments"]
    warehouse = work_dir / "warehouse/wenshu.duckdb"
    carried_files = 0
    for result in third["publish"]:
        folder = store_dir / result["dataset"] / result["version"]
        described = orjson.loads((folder / "datapackage.json").read_bytes())["resources"]
        for resource in load_dataset(result["dataset"]).resources:
            if resource.name in result["carried_over"]:
                names = (resource.name, f"{resource.name}-parquet")
                order = next(r["schema"]["primaryKey"] for r in described if r["name"] in names)
                for file in export_table(warehouse, resource.model, resource.name, list(resource.formats), order,
                                         workdirs / "full" / resource.name, content_hashes=resource.content_hashes,
                                         redacted_by_model=resource.redacted_by_model):  # fmt: skip
                    carried_file = folder / file.package_path
                    assert hashlib.sha256(carried_file.read_bytes()).hexdigest() == file.sha256, carried_file
                    carried_files += 1
    availability_result = next(p for p in third["publish"] if p["dataset"] == "cjo-availability")
    assert "availability" in availability_result["carried_over"]
    assert carried_files >= 7  # judgments, courts and availability in both formats, and the texts
    # each CSV is kept beside its Parquet file, for the next carry to splice its records, and
    # the rows' signatures, for it to find the changed rows by
    assert carry.cached_csv(cache, "cjo-judgments", "judgments").read_bytes() == (
        store_dir / "cjo-judgments/1.1.0/data/judgments.csv"
    ).read_bytes()
    for dataset, resource in (("cjo-judgments", "judgments"), ("cjo-judgments", "judgment_texts"), ("cjo-availability", "availability")):
        signatures = carry.last_signatures(cache, dataset, resource)
        rows = next(p for p in third["publish"] if p["dataset"] == dataset)["tables"][resource]
        assert signatures is not None and pq.read_metadata(signatures).num_rows == rows
    [full] = export_table(warehouse, "judgment_texts", "judgment_texts", ["parquet"], ["doc_id"], workdirs / "full-export",
                          content_hashes={"text": "text_sha256"}, redacted_by_model=["text"])  # fmt: skip
    carried = store_dir / "cjo-judgments/1.1.0/data/judgment_texts.parquet"
    assert hashlib.sha256(carried.read_bytes()).hexdigest() == full.sha256
    # published as the model redacted them: redacting them again changes no byte
    [again] = export_table(warehouse, "judgment_texts", "judgment_texts", ["parquet"], ["doc_id"], workdirs / "again",
                           content_hashes={"text": "text_sha256"})  # fmt: skip
    assert again.sha256 == full.sha256
    assert before == {p: p.read_bytes() for p in (store_dir / "cjo-judgments/1.0.0").rglob("*") if p.is_file()}
    assert verify_store(open_storage(str(store_dir)), workdirs / "scratch").ok
    latest = orjson.loads((store_dir / "cjo-availability/latest.json").read_bytes())["version"]
    delta = store_dir / "cjo-availability" / latest / "data/deltas/availability.parquet"
    removed = duckdb.sql(f"select doc_id from '{delta}' where change = 'removed upstream'").fetchall()
    assert removed == [(gone,)]
    assert "1 removed upstream" in (delta.parents[2] / "CHANGELOG.md").read_text(encoding="utf-8")


def test_s3_store_and_work_area(workdirs: Path, s3_bucket: str):
    landing = workdirs / "landing"
    synth(landing, 120, seed=11)
    result = run(landing, f"{s3_bucket}/public", f"{s3_bucket}/private")
    assert result["status"] == "succeeded" and judgments_result(result)["version"] == "1.0.0"
    store = open_storage(f"{s3_bucket}/public")
    keys = list(store.list())
    assert "cjo-judgments/1.0.0/datapackage.json" in keys and "catalog.json" in keys
    assert not any(k.startswith(("raw/", "quarantine/", "runs/")) for k in keys)
    assert verify_store(store, workdirs / "scratch").ok
    folder = download(store, "cjo-judgments@1.0.0", workdirs / "downloads", resources=["judgments"])
    assert sorted(p.name for p in (folder / "data").iterdir()) == ["judgments.csv", "judgments.parquet"]
    work = open_storage(f"{s3_bucket}/private")
    assert any(k.startswith("runs/") and k.endswith("report.json") for k in work.list("runs/"))


def test_failing_gate_publishes_nothing(workdirs: Path):
    """A raw partition that breaks a critical expectation stops the run before publishing."""
    from flows.records import JUDGMENT_SCHEMA

    landing, store_dir, work_dir = workdirs / "landing", workdirs / "store", workdirs / "work"
    synth(landing, 50, seed=3)
    bad = {name: None for name in JUDGMENT_SCHEMA.names}
    bad.update(doc_id="broken", text="x", text_chars=1, text_sha256="not-a-sha", flags=[], source_format="bug",
               source_file="x", source_line=1, source_sha256="0" * 64, ingested_at=datetime.now(UTC))  # fmt: skip
    partition = work_dir / "raw" / "judgments" / ("f" * 64 + ".parquet")
    partition.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([bad], schema=JUDGMENT_SCHEMA), partition)
    with pytest.raises(ValidationFailed) as failure:
        run(landing, str(store_dir), str(work_dir))
    assert "text_sha256" in str(failure.value)
    assert not store_dir.exists() or not any(store_dir.rglob("*"))
    reports = list((work_dir / "runs").glob("*/report.json"))
    assert len(reports) == 1 and orjson.loads(reports[0].read_bytes())["status"] == "failed validation"
