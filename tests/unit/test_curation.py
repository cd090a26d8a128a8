"""Codebooks, what is generated from them (no drift), row checks, and curation ingest with bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from flows import layout
from flows.curation import codebook_datasets, ingest_curation, load_codebook
from flows.curation.checks import frictionless_schema, gx_suite, suite_name
from flows.curation.coerce import coerce_row, header_map
from flows.curation.generate import drifted, generated_files
from flows.storage import open_storage
from flows.validate.suites import load_suite

DATASETS = ["rights-defender-detentions", "trafficking-cases", "trafficking-divorce"]
HEADER = "编号,案号,法院层级,被害人数,残疾类型,价格,陌生人拐卖,事实摘录,被害人姓名,coder_note\n"


def test_the_three_codebooks_load() -> None:
    assert codebook_datasets() == DATASETS
    cases = load_codebook("trafficking-cases")
    assert cases.variable("victim_disability").enum == ["none", "intellectual", "psychosocial", "physical", "unknown"]
    assert cases.variable("price_cny").unit == "CNY"
    assert [v.name for v in cases.variables if v.sensitive] == ["facts_excerpt", "victim_name"]
    assert "victim_name" not in [v.name for v in cases.published_variables]
    charges = load_codebook("rights-defender-detentions").variable("charge").enum or []
    assert {"寻衅滋事", "煽动颠覆国家政权"} <= set(charges)


def test_generated_files_do_not_drift_from_the_codebooks() -> None:
    stale = drifted([load_codebook(name) for name in DATASETS])
    assert stale == [], f"run `uv run --frozen python scripts/generate_curation.py`: {stale}"


def test_generated_suites_are_valid_suite_files() -> None:
    for name in DATASETS:
        codebook = load_codebook(name)
        suite = load_suite(suite_name(codebook))
        assert suite.table == codebook.table
        assert len(suite.expectations) == len(gx_suite(codebook)["expectations"])


def test_generated_staging_redacts_or_drops_every_sensitive_variable() -> None:
    codebook = load_codebook("trafficking-cases")
    staging = next(
        text for path, text in generated_files(codebook).items() if path.name.startswith("stg_") and path.suffix == ".sql"
    )
    assert "{{ redacted('\"facts_excerpt\"') }} as facts_excerpt" in staging  # macros/redaction.sql
    assert "as victim_name" not in staging.split("renamed as")[1]
    mart_yml = next(text for path, text in generated_files(codebook).items() if path.name == "trafficking_cases.yml")
    assert "victim_name" not in mart_yml and "has_judgment" in mart_yml


def test_frictionless_schema_from_the_codebook() -> None:
    import frictionless

    schema = frictionless_schema(load_codebook("trafficking-cases"))
    frictionless.Schema.from_descriptor(schema)  # a valid Table Schema
    fields = {field["name"]: field for field in schema["fields"]}
    assert schema["primaryKey"] == ["case_id"]
    assert fields["victim_disability"]["constraints"]["enum"][0] == "none"
    assert fields["price_cny"] == {
        "name": "price_cny", "type": "integer", "description": fields["price_cny"]["description"],
        "constraints": {"minimum": 0, "maximum": 2000000},
    }  # fmt: skip
    assert "victim_name" not in fields


@pytest.mark.parametrize(
    ("cells", "reasons"),
    [
        ({"编号": "T1", "法院层级": "基层", "被害人数": "2", "残疾类型": "none"}, []),
        ({"编号": "T1", "法院层级": "基层", "被害人数": "2.5", "残疾类型": "none"}, ["not_integer"]),
        (
            {"编号": "T1", "法院层级": "乡镇", "被害人数": "0", "残疾类型": "blind"},
            ["not_allowed", "out_of_range", "not_allowed"],
        ),
        (
            {"编号": "", "法院层级": "基层", "被害人数": "1", "残疾类型": "none", "价格": "-1"},
            ["missing_required", "out_of_range"],
        ),
        ({"编号": "T1", "法院层级": "基层", "被害人数": "1", "残疾类型": "none", "陌生人拐卖": "maybe"}, ["not_boolean"]),
    ],
)
def test_coerce_row_reports_each_problem(cells: dict[str, str], reasons: list[str]) -> None:
    codebook = load_codebook("trafficking-cases")
    values, problems = coerce_row(codebook, header_map(codebook, list(cells)), cells)
    assert [p.reason for p in problems] == reasons
    if not reasons:
        assert values["victims_count"] == 2 and values["price_cny"] is None


def test_dates_and_booleans_in_the_forms_people_type() -> None:
    codebook = load_codebook("rights-defender-detentions")
    cells = {"record_id": "R1", "defender_name": "某人", "charge": "寻衅滋事", "detention_date": "2019年3月5日",
             "status": "detained", "source_url": "https://example.org/a", "reported_date": "2019/03/06"}  # fmt: skip
    values, problems = coerce_row(codebook, header_map(codebook, list(cells)), cells)
    assert problems == []
    assert (values["detention_date"].isoformat(), values["reported_date"].isoformat()) == ("2019-03-05", "2019-03-06")


def _landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing" / "curation"
    (root / "trafficking-cases").mkdir(parents=True)
    rows = [
        "T1,（2019）滇0602刑初12号,基层,1,intellectual,30000,是,被拐卖的妇女柳絮飘被卖,柳絮飘,x",
        "T2,(2019)滇0602刑初13号,中级,2,none,,否,,,",
        "T3,,基层,1,blind,1000,是,,,",  # unknown disability code
        "T1,,基层,1,none,1000,是,,,",  # duplicate key
        ",,基层,x,none,1000,是,,,",  # no id, not an integer
    ]
    (root / "trafficking-cases" / "coded.csv").write_bytes((HEADER + "\n".join(rows) + "\n").encode("gb18030"))
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["case_id", "认定拐卖", "准予离婚", "suits_count", "years_married"])
    workbook.active.append(["D1", "是", "否", 2, 7.5])
    workbook.active.append(["D2", "是", "否", 0, 3])  # suits_count below 1
    (root / "trafficking-divorce").mkdir()
    workbook.save(root / "trafficking-divorce" / "coded.xlsx")
    (root / "trafficking-divorce" / "broken.xlsx").write_bytes(b"not a zip")
    (root / "unknown-dataset").mkdir()
    (root / "unknown-dataset" / "x.csv").write_text("a\n1\n")
    return tmp_path / "landing"


def test_ingest_curation_keeps_good_rows_and_quarantines_bad_ones(tmp_path: Path) -> None:
    landing, work = open_storage(str(_landing(tmp_path))), open_storage(str(tmp_path / "work"))
    report = ingest_curation(landing, work, tmp_path / "scratch")
    assert report.reconciles
    by_file = {f.source_file: f for f in report.files}
    cases = by_file["curation/trafficking-cases/coded.csv"]
    assert (cases.read, cases.accepted, cases.quarantined) == (5, 2, 3)
    assert cases.reasons == {"not_allowed": 1, "duplicate_key": 1, "missing_required": 1}
    assert cases.unknown_columns == ["coder_note"]
    assert by_file["curation/trafficking-divorce/coded.xlsx"].reasons == {"out_of_range": 1}
    assert by_file["curation/trafficking-divorce/broken.xlsx"].status == "unreadable"
    assert by_file["curation/unknown-dataset/x.csv"].status == "no_codebook"

    table = pq.read_table(Path(work.duckdb_uri(layout.curation_partition("trafficking-cases", cases.partition_id))))
    assert table.column("case_id").to_pylist() == ["T1", "T2"]
    assert table.column("source_row").to_pylist() == [2, 3]
    assert table.column("is_abducted_by_stranger").to_pylist() == [True, False]
    quarantined = [
        orjson.loads(line) for line in work.get(layout.curation_quarantine("trafficking-cases", cases.partition_id)).splitlines()
    ]
    assert [(q["source_line"], q["column"], q["reason"]) for q in quarantined] == [
        (4, "victim_disability", "not_allowed"), (5, "case_id", "duplicate_key"), (6, "case_id", "missing_required"),
    ]  # fmt: skip
    assert "victims_count: not_integer" in quarantined[2]["detail"]

    again = ingest_curation(landing, work, tmp_path / "scratch")
    assert all(f.reused for f in again.files if f.status == "ingested")
    assert json.loads(json.dumps(again.to_dict()))["datasets"]["trafficking-cases"]["accepted"] == 2


def test_synthetic_curation_plants_canaries_in_sensitive_fields(tmp_path: Path) -> None:
    from flows.privacy import CANARY_NAMES
    from flows.synth.curation import generate_curation, plant_canaries
    from flows.synth.landing import generate_landing

    generate_landing(tmp_path, 300, seed=3, median_chars=300, workers=1)
    numbers = plant_canaries(tmp_path, seed=3)
    counts = generate_curation(tmp_path, seed=3)
    assert set(counts) == set(DATASETS) and all(n > 5 for n in counts.values())
    coded = (tmp_path / "curation" / "trafficking-cases" / "coded-3.csv").read_text(encoding="utf-8-sig")
    assert all(number in coded for number in numbers)
    assert all(f"被拐卖的妇女{name}" in coded for name in CANARY_NAMES)
    texts = (tmp_path / "scraper" / "canary-3" / "part-00000.jsonl").read_text(encoding="utf-8")
    assert all(f"被害人{name}" in texts and f"证人{name}" in texts for name in CANARY_NAMES)
