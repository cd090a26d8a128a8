"""The synthetic landing zone: deterministic, valid contract records, realistic structure."""

from __future__ import annotations

import csv
import gzip
import re
import statistics
from collections import Counter
from datetime import date
from pathlib import Path
from random import Random
from typing import Any

import orjson
import pytest

from flows.resources import PROJECT_ROOT, SEEDS_DIR
from flows.synth import SynthSummary, generate_landing
from flows.synth.catalog import CIVIL, CIVIL_LAW, CRIMES
from flows.synth.courts import load_reference
from flows.synth.documents import HORIZON, make_judgment
from flows.synth.monitor import observations
from flows.synth.numerals import cn_date, cn_number

SMALL = {"median_chars": 600, "records_per_file": 150, "workers": 1}
NEW_STYLE = re.compile(r"^（(\d{4})）([^\d（）]{1})(\d{2}|\d{4})([刑民][初终])(\d+)号$")
LEGACY_STYLE = re.compile(r"^（(\d{4})）(\D{1,2}?)([刑民])([一二三四]?)([初终])字第(\d+)号$")
DOC_TYPES = {"刑事判决书", "刑事裁定书", "民事判决书", "民事裁定书"}
STATUSES = {"available", "removed", "not_found", "error"}
NOT_PUBLIC_REASONS = {"01", "02", "03", "04", "05", "06"}


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _records(root: Path, pattern: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(line) for path in sorted(root.glob(pattern)) for line in gzip.decompress(path.read_bytes()).splitlines()
    ]


def _seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    root = tmp_path_factory.mktemp("landing")
    return root, generate_landing(root, 400, seed=0, **SMALL)


@pytest.fixture(scope="module")
def judgments(landing: tuple[Path, SynthSummary]) -> list[dict[str, Any]]:
    return _records(landing[0], "scraper/seed-0/part-*.jsonl.gz")


@pytest.fixture(scope="module")
def observed(landing: tuple[Path, SynthSummary]) -> list[dict[str, Any]]:
    return _records(landing[0], "monitor/seed-0/observations-*.jsonl.gz")


def test_same_seed_gives_byte_identical_files(landing: tuple[Path, SynthSummary], tmp_path: Path) -> None:
    first = _files(landing[0])
    again = generate_landing(tmp_path / "again", 400, seed=0, **SMALL)
    assert _files(tmp_path / "again") == first
    assert again == landing[1]
    parallel = generate_landing(tmp_path / "parallel", 400, seed=0, **{**SMALL, "workers": 2})
    assert _files(tmp_path / "parallel") == first and parallel == landing[1]
    assert _files(tmp_path / "again")["scraper/seed-0/part-00000.jsonl.gz"][4:8] == b"\0\0\0\0"  # gzip mtime 0


def test_a_rerun_replaces_the_seeds_earlier_files(tmp_path: Path) -> None:
    generate_landing(tmp_path, 40, seed=4, **{**SMALL, "records_per_file": 10})
    (tmp_path / "scraper" / "seed-4" / "part-00009.jsonl.gz.tmp").write_bytes(b"left over")
    (tmp_path / "scraper" / "seed-4" / "notes.txt").write_text("not ours")
    summary = generate_landing(tmp_path, 15, seed=4, **{**SMALL, "records_per_file": 10})
    assert sorted(p.name for p in (tmp_path / "scraper" / "seed-4").iterdir()) == [
        "notes.txt", "part-00000.jsonl.gz", "part-00001.jsonl.gz"]
    assert summary.files == 4
    with pytest.raises(ValueError):
        generate_landing(tmp_path, 10, seed=-1)


def test_summary_matches_the_files(landing: tuple[Path, SynthSummary], judgments: list, observed: list) -> None:
    root, summary = landing
    files = [path for path in root.rglob("*") if path.is_file()]
    assert summary == SynthSummary(len(judgments), len(observed), len(files), sum(p.stat().st_size for p in files))
    assert summary.judgments == 400
    assert sorted(p.name for p in (root / "scraper" / "seed-0").iterdir()) == [
        "part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz"]
    assert all(len(gzip.decompress(p.read_bytes()).splitlines()) <= 150 for p in files if p.name.startswith("part-"))
    assert not list(root.rglob("*.tmp"))


def test_doc_ids_are_cjo_like_and_unique_across_seeds(judgments: list, tmp_path: Path) -> None:
    ids = [row["doc_id"] for row in judgments]
    assert all(re.fullmatch(r"[0-9a-f]{32}", doc_id) for doc_id in ids)
    assert len(set(ids)) >= 0.97 * len(ids)  # a few documents are captured twice
    generate_landing(tmp_path, 300, seed=1, observations=False, **SMALL)
    other = {row["doc_id"] for row in _records(tmp_path, "scraper/seed-1/*.jsonl.gz")}
    assert other.isdisjoint(ids)
    assert not (tmp_path / "monitor").exists()


def test_recaptures_repeat_a_document_with_a_later_capture(judgments: list) -> None:
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in judgments:
        by_id.setdefault(row["doc_id"], []).append(row)
    for copies in (copies for copies in by_id.values() if len(copies) > 1):
        assert len({orjson.dumps({**row, "captured_at": None}) for row in copies}) == 1
        assert copies[1]["captured_at"] >= copies[0]["captured_at"]


def test_records_follow_the_contract(judgments: list, observed: list) -> None:
    keys = ["schema", "doc_id", "case_number", "title", "court_name", "case_type", "procedure", "cause",
            "document_type", "judgment_date", "publish_date", "parties", "legal_basis", "text", "source_url",
            "captured_at"]  # fmt: skip
    for row in judgments:
        assert list(row) == keys and row["schema"] == "wenshu.judgment/1"
        assert row["text"] and row["parties"] and row["legal_basis"]
        assert all(set(party) == {"role", "name"} for party in row["parties"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["captured_at"])
    ids = {row["doc_id"] for row in judgments}
    for row in observed:
        assert list(row) == ["schema", "doc_id", "checked_at", "status", "http_status", "reason"]
        assert row["schema"] == "wenshu.observation/1" and row["doc_id"] in ids and row["status"] in STATUSES
        assert row["http_status"] is None or isinstance(row["http_status"], int)


def test_both_case_number_styles_match_the_court_and_case_type(judgments: list) -> None:
    courts = {row["court_name"]: row for row in _seed_rows("ref_courts")}
    types = {row["case_type_code"]: row for row in _seed_rows("ref_case_types")}
    styles = Counter()
    for row in judgments:
        court = courts[row["court_name"]]
        new, legacy = NEW_STYLE.match(row["case_number"]), LEGACY_STYLE.match(row["case_number"])
        assert new or legacy, row["case_number"]
        if new:
            styles["2016"] += 1
            year, abbr, code, type_code = new.group(1, 2, 3, 4)
            assert int(year) >= 2016 and (abbr, code) == (court["province_abbr"], court["court_code"])
        else:
            styles["legacy"] += 1
            year, type_code = legacy.group(1), legacy.group(3) + legacy.group(5)
            assert int(year) < 2016
        assert abs(int(year) - int(row["judgment_date"][:4])) <= 1
        assert (row["case_type"], row["procedure"]) == (types[type_code]["case_type"], types[type_code]["procedure"])
        assert court["court_level"] == ("中级" if type_code.endswith("终") else "基层")
    assert styles["2016"] > 0 and styles["legacy"] > 0


def test_dates_are_consistent(judgments: list, observed: list) -> None:
    captured = {}
    for row in judgments:
        judged, published = date.fromisoformat(row["judgment_date"]), date.fromisoformat(row["publish_date"])
        assert 2010 <= judged.year <= 2025 and judged <= published <= date.fromisoformat(row["captured_at"][:10])
        assert published <= HORIZON
        captured.setdefault(row["doc_id"], row["captured_at"])
    history: dict[str, list[str]] = {}
    for row in observed:
        assert captured[row["doc_id"]] < row["checked_at"] <= f"{HORIZON.isoformat()}T23:59:59Z"
        history.setdefault(row["doc_id"], []).append(row["checked_at"])
    assert all(times == sorted(times) for times in history.values())


def test_text_has_the_structure_of_a_judgment(judgments: list) -> None:
    for row in judgments:
        lines = row["text"].split("\n")
        assert lines[0] == row["court_name"] and lines[1] in DOC_TYPES and lines[2] == row["case_number"]
        assert lines[1].endswith(row["document_type"])
        assert cn_date(date.fromisoformat(row["judgment_date"])) in lines[-5:]
        assert lines[-1].startswith("书记员") and any(line.startswith("审判") for line in lines[-7:])
        assert "本院认为" in row["text"] and not re.search(r"[{}〔〕]T|\{\w+\}|〔[DPTV]", row["text"])
        for party in row["parties"]:
            assert party["name"] in row["text"]
        article = re.search(r"(第[一二三四五六七八九十百千零]+条)", row["legal_basis"][0])
        assert article and article.group(1) in row["text"]
        if row["procedure"] == "刑事一审":
            assert lines[3].startswith("公诉机关") and "判决如下" in row["text"] and "经审理查明" in row["text"]
            assert all(party["role"] == "被告人" for party in row["parties"])
        if row["procedure"] == "民事一审" and row["document_type"] == "判决书":
            assert "原告" in lines[3] and "判决如下" in row["text"]


def test_causes_and_courts_come_from_the_seeds(judgments: list) -> None:
    causes = {row["cause_name"] for row in _seed_rows("ref_causes")}
    assert {cause.name for cause in CRIMES + CIVIL} <= causes
    assert set(CIVIL_LAW) == {cause.name for cause in CIVIL}
    assert all(template.startswith("{date}") for cause in CRIMES + CIVIL for template in cause.episodes)
    assert {row["cause"] for row in judgments} <= causes
    source = "\n".join(path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "flows" / "synth").glob("*.py"))
    assert "SHARED_DATA_DIR" not in source and "shared/data" not in source  # only committed seeds at run time


def test_text_length_is_controllable() -> None:
    ref = load_reference()

    def median(chars: int) -> float:
        rng = Random(11)
        return statistics.median(len(make_judgment(rng, ref, 0, i, chars)[0]["text"]) for i in range(300))

    assert 2400 < median(3000) < 3600
    assert median(800) < 1300


def test_removals_concentrate_on_sensitive_causes_and_some_reappear() -> None:
    ref, rng = load_reference(), Random(5)
    removed: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    reappeared = 0
    for index in range(3000):
        record, judged = make_judgment(rng, ref, 9, index, 300)
        statuses = [row["status"] for row in observations(rng, judged)]
        seen[record["cause"]] += 1
        gone = [status in ("removed", "not_found") for status in statuses]
        removed[record["cause"]] += any(gone)
        reappeared += any(a and status == "available" for a, status in zip(gone, statuses[1:], strict=False))
        reasons.update(row["reason"] for row in observations(Random(index), judged) if row["status"] == "removed")
    overall = sum(removed.values()) / sum(seen.values())
    assert removed["寻衅滋事罪"] / seen["寻衅滋事罪"] > 3 * overall
    assert removed["盗窃罪"] / seen["盗窃罪"] < 2 * overall
    assert reappeared > 0
    assert {reason for reason in reasons if reason} <= NOT_PUBLIC_REASONS


def test_chinese_numerals() -> None:
    assert cn_date(date(2016, 12, 20)) == "二〇一六年十二月二十日"
    assert cn_date(date(2020, 1, 1)) == "二〇二〇年一月一日"
    assert [cn_number(n) for n in (10, 12, 20, 101, 110, 264, 1079, 2000)] == [
        "十", "十二", "二十", "一百零一", "一百一十", "二百六十四", "一千零七十九", "二千"]
