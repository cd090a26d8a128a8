"""The canary test: names planted in victim, witness and minor roles never reach a published byte.

The synthetic landing zone gets canary judgments (names in 被害人/被拐卖的妇女/证人/未成年人
roles) and curated rows carrying the same names in sensitive fields. After ingest and the dbt
build the private warehouse still holds them (the raw capture is kept), but everything exported
the way the publisher exports — every mart with its text columns redacted, plus the charts and
their data — passes the privacy gate, and no file contains a canary in any byte. A control
export without redaction must be refused by the gate. The published texts' hashes and lengths
are those of the redacted texts: a hash of a stored text would confirm a guessed name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows.charts.render import render_charts
from flows.curation import ingest_curation, match_rates
from flows.ingest import ingest_landing
from flows.privacy import CANARY_NAMES, PrivacyError, check_files, redact_text, redacted_select
from flows.settings import get_settings
from flows.storage import open_storage
from flows.synth.curation import generate_curation, plant_canaries
from flows.synth.landing import generate_landing
from flows.transform import build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("canary")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WENSHU_SCRATCH_DIR", str(root / "scratch"))
        get_settings.cache_clear()
        yield _build(root)
    get_settings.cache_clear()


def _build(root: Path) -> Path:
    landing = root / "landing"
    generate_landing(landing, 400, seed=11, median_chars=400, workers=1)
    plant_canaries(landing, seed=11)
    generate_curation(landing, seed=11)
    work = open_storage(str(root / "work"))
    assert ingest_landing(open_storage(str(landing)), work, root / "scratch").reconciles
    assert ingest_curation(open_storage(str(landing)), work, root / "scratch").reconciles
    return build(
        str(root / "work" / "raw" / "judgments" / "*.parquet"), root / "work" / "warehouse" / "wenshu.duckdb"
    ).duckdb_path


def _marts(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every published mart (a model some dataset publishes) → its text columns.

    Intermediate models materialized as tables stay private in the warehouse, like the raw layer.
    """
    from flows.publish.datasets import dataset_names, load_dataset

    published = {r.model for name in dataset_names() for r in load_dataset(name).resources}
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'main' and table_name in (select table_name from information_schema.tables "
        "where table_schema = 'main' and table_type = 'BASE TABLE') order by table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column, kind in rows:
        if table not in published:
            continue
        tables.setdefault(table, [])
        if kind == "VARCHAR":
            tables[table].append(column)
    return tables


def _export(warehouse: Path, out: Path, redact: bool, tables: dict[str, list[str]] | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, text_columns in (_marts(con) if tables is None else tables).items():
            query = redacted_select(table, text_columns if redact else [])
            for fmt, options in (("csv", "format csv, header true"), ("parquet", "format parquet, compression zstd")):
                path = out / f"{table}.{fmt}"
                con.execute(f"copy ({query}) to '{path}' ({options})")
                files.append(path)
    return files


def test_canaries_reach_the_private_warehouse(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        texts = con.execute("select string_agg(text, '') from stg_raw__judgments").fetchone()[0]  # type: ignore[index]
        curated = con.execute("select count(*) from trafficking_cases where case_number like '%刑初900_号'").fetchone()[0]  # type: ignore[index]
    assert all(name in texts for name in CANARY_NAMES)
    assert curated == len(CANARY_NAMES)


def test_published_hashes_and_lengths_are_of_the_redacted_texts(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select raw.text, t.text, t.text_sha256, j.text_sha256, j.text_chars "
            "from judgments j join judgment_texts t using (doc_id) "
            "join stg_raw__judgments raw on raw.doc_id = j.doc_id and raw.text is not null "
            "where regexp_matches(raw.text, ?)",
            ["|".join(CANARY_NAMES)],
        ).fetchall()
        texts, mismatched = con.execute(  # redacted or not, every text: the mart takes most lengths from the merged rows
            "select count(*), count(*) filter (where j.text_chars is distinct from length(t.text) or j.text_sha256 is distinct from t.text_sha256) "
            "from judgments j join judgment_texts t using (doc_id)"
        ).fetchone()  # type: ignore[misc]
    assert texts > 100 and mismatched == 0
    assert len({stored for stored, *_ in rows}) >= len(CANARY_NAMES)
    for stored, published, text_hash, judgment_hash, chars in rows:
        assert not any(name in published for name in CANARY_NAMES)
        assert redact_text(stored) == published  # the mart redacts as the export does
        assert text_hash == judgment_hash == hashlib.sha256(published.encode()).hexdigest()
        assert text_hash != hashlib.sha256(stored.encode()).hexdigest()
        assert chars == len(published)


def test_no_canary_reaches_any_exported_byte(warehouse: Path, tmp_path: Path) -> None:
    files = _export(warehouse, tmp_path / "export", redact=True) + [
        p for c in render_charts(warehouse, tmp_path / "charts") for p in (c.image, c.data)
    ]
    check_files(files, CANARY_NAMES)
    for path in files:
        data = path.read_bytes()
        assert not any(name.encode() in data for name in CANARY_NAMES), path
    with duckdb.connect() as con:  # the redacted curated excerpt keeps the role and surname only
        excerpts = con.execute(f"select facts_excerpt from '{tmp_path / 'export' / 'trafficking_cases.parquet'}'").fetchall()
    assert ("被拐卖的妇女柳某某（女，时年19岁）被卖给他人为妻。",) in excerpts


def test_the_gate_refuses_an_unredacted_export(warehouse: Path, tmp_path: Path) -> None:
    stored = {"stg_raw__judgments": ["text"], "judgment_texts": ["text"]}  # the captures as stored; the mart
    files = _export(warehouse, tmp_path / "export", redact=False, tables=stored)
    with pytest.raises(PrivacyError) as refused:
        check_files(files, CANARY_NAMES)
    leaking = {Path(finding.path).name for finding in refused.value.findings}
    assert {"stg_raw__judgments.parquet", "stg_raw__judgments.csv"} <= leaking
    assert not leaking & {"judgment_texts.parquet", "judgment_texts.csv"}  # the mart redacts its texts itself
    assert not any(name in str(refused.value) for name in CANARY_NAMES)


def test_curated_rows_match_judgments_by_case_number(warehouse: Path) -> None:
    rates = match_rates(warehouse)
    assert rates["trafficking-cases"]["matched"] >= len(CANARY_NAMES)
    assert 0.5 < rates["trafficking-cases"]["match_rate"] < 1


def test_generated_suites_pass_on_the_generated_marts(warehouse: Path) -> None:
    from flows.curation import codebook_datasets, load_codebook
    from flows.curation.checks import suite_name
    from flows.validate import validate_tables

    suites = [suite_name(load_codebook(name)) for name in codebook_datasets()]
    report = validate_tables(warehouse, suites)
    assert report.to_dict()["passed"], report.to_dict()
