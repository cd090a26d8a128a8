"""The DuckDB fast path (flows.ingest.fast) writes exactly what the Python parser writes.

Each test lands files, ingests them twice — fast path on, fast path off — and asserts that the two
work areas are identical byte for byte: raw partitions (rows, values, types, order), quarantine
files (reasons, details, excerpts, line numbers) and per-file manifests (the report's counts,
formats, reasons and flags, in the same order). It also checks how many records DuckDB took, so a
fast path that silently left everything to Python would fail.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.ingest import IngestReport, fast, ingest_landing
from flows.settings import get_settings
from flows.storage import open_storage
from flows.synth import generate_landing

NOW = datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=UTC)
TEXT = "上海市奉贤区人民法院\n刑事判决书\n（2017）沪0120刑初684号\n公诉机关上海市奉贤区人民检察院。\n被告人张某，男。\n审判员　李某\n二〇一七年五月一日\n书记员　王某"


def _record_fast_runs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every landing file is for the fast path however small; records what it did, per key
    (unless the fast path is off)."""
    monkeypatch.setattr(fast, "MIN_LINES", 1)
    runs: dict[str, list[Any]] = {}
    real = fast.parse_fast

    def recording(path: Path, key: str, *args: Any) -> Any:
        stats = real(path, key, *args)
        if get_settings().ingest_fast_path != "off":
            runs.setdefault(key, []).append(stats)
        return stats

    monkeypatch.setattr(fast, "parse_fast", recording)
    return runs


@pytest.fixture()
def fast_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    yield _record_fast_runs(monkeypatch)
    get_settings.cache_clear()


def _use(monkeypatch: pytest.MonkeyPatch, mode: str, **env: str) -> None:
    monkeypatch.setenv("WENSHU_INGEST_FAST_PATH", mode)
    for name, value in env.items():
        monkeypatch.setenv(f"WENSHU_{name.upper()}", value)
    get_settings.cache_clear()


def ingest_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str = "all", **env: str) -> IngestReport:
    """Ingest ``tmp_path/landing`` with the fast path (``mode``) and without; assert identical work areas."""
    reports = {}
    for run in (mode, "off"):
        _use(monkeypatch, run, **env)
        landing, work = open_storage(str(tmp_path / "landing")), open_storage(str(tmp_path / f"work-{run}"))
        reports[run] = ingest_landing(landing, work, tmp_path / f"scratch-{run}", now=NOW)
    assert_same_work(tmp_path / f"work-{mode}", tmp_path / "work-off")
    assert reports[mode].to_dict() == reports["off"].to_dict()
    return reports["off"]


def assert_same_work(fast_work: Path, python_work: Path) -> None:
    files = sorted(p.relative_to(python_work) for p in python_work.rglob("*") if p.is_file())
    assert sorted(p.relative_to(fast_work) for p in fast_work.rglob("*") if p.is_file()) == files
    for name in files:
        ours, theirs = fast_work / name, python_work / name
        if name.suffix == ".parquet":  # a readable diff first
            fast_table, python_table = pq.read_table(ours), pq.read_table(theirs)
            assert fast_table.schema == python_table.schema
            assert fast_table.num_rows == python_table.num_rows
            for column in python_table.schema.names:
                assert fast_table.column(column).to_pylist() == python_table.column(column).to_pylist(), (name, column)
        elif name.suffix in (".jsonl", ".json"):
            assert ours.read_text().splitlines() == theirs.read_text().splitlines(), name
        assert ours.read_bytes() == theirs.read_bytes(), name


def write_lines(path: Path, lines: list[Any], encoding: str = "utf-8", bom: bool = False, end: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = end.join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
    data = (("\ufeff" if bom else "") + body).encode(encoding)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


def rows(work: Path, table: str) -> list[dict[str, Any]]:
    return [row for path in sorted((work / "raw" / table).glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def observation(doc_id: Any = "a62ad5c887d172903395e1fcb2336d27", **fields: Any) -> dict[str, Any]:
    return {"schema": "wenshu.observation/1", "doc_id": doc_id, "checked_at": "2021-05-04T03:12:45Z", "status": "removed",
            "http_status": 200, "reason": "06", **fields}  # fmt: skip


def judgment(doc_id: Any = "d1", **fields: Any) -> dict[str, Any]:
    return {"schema": "wenshu.judgment/1", "doc_id": doc_id, "case_number": "（2017）沪0120刑初684号", "title": "张某盗窃一审刑事判决书",
            "court_name": "上海市奉贤区人民法院", "case_type": "刑事案件", "procedure": "刑事一审", "cause": "盗窃罪",
            "document_type": "判决书", "judgment_date": "2017-05-01", "publish_date": "2017-06-01",
            "parties": [{"role": "被告人", "name": "张某"}], "legal_basis": ["《中华人民共和国刑法》第二百六十四条"],
            "text": TEXT, "captured_at": "2026-01-01T00:00:00Z", **fields}  # fmt: skip


# --- synthetic landing zones -------------------------------------------------------------------


def test_synthetic_landing_zone_is_identical_and_parsed_by_duckdb(tmp_path, monkeypatch, fast_runs):
    generate_landing(tmp_path / "landing", judgments=120, seed=3, median_chars=400, records_per_file=50, workers=1)
    report = ingest_both(tmp_path, monkeypatch)
    totals = report.totals()
    assert report.reconciles and totals["quarantined"] == 0 and totals["read"] > 2000
    contract = {key: runs[0] for key, runs in fast_runs.items() if key.endswith(".gz")}
    assert len(contract) == len([f for f in report.files if f.source_file.endswith(".gz")]) >= 4
    # DuckDB made every synthetic row; none needed Python.
    assert all(stats.python_records == 0 and stats.sql_rows == stats.records > 0 for stats in contract.values())


def test_default_setting_takes_observations_only(tmp_path, monkeypatch, fast_runs):
    generate_landing(tmp_path / "landing", judgments=60, seed=4, median_chars=400, workers=1)
    ingest_both(tmp_path, monkeypatch, mode="observations")
    taken = {key.split("/", 1)[0] for key, runs in fast_runs.items() if runs[0] is not None}
    assert taken == {"monitor"}


def test_off_means_python_only(tmp_path, monkeypatch, fast_runs):
    from flows.ingest.files import FileReport

    path = tmp_path / "obs.jsonl"
    write_lines(path, [observation()])
    for mode, used in (("false", False), ("off", False), ("judgments", None), ("true", True), ("observations", True)):
        if mode == "judgments":  # not a value: the setting refuses it
            with pytest.raises(ValueError):
                _use(monkeypatch, mode)
                get_settings()
            continue
        _use(monkeypatch, mode)
        report = FileReport(source_file="monitor/m/obs.jsonl", source_sha256="0" * 64, table="observations", partition_id="p")
        stats = fast.parse_fast(path, "monitor/m/obs.jsonl", report, tmp_path / mode, NOW)
        assert (stats is not None) is used and report.read == (1 if used else 0)


# --- observations: every way a record can be odd -----------------------------------------------


def test_observation_edge_cases(tmp_path, monkeypatch, fast_runs):
    future = (NOW + timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lines: list[Any] = [
        observation(),
        observation(checked_at="2021-05-04T03:12:45+08:00", reason=None, status="available"),
        observation(checked_at="2021-05-04 03:12:45.1", http_status=None),
        observation(checked_at="2021-05-04T03:12:45.123456-05:30", reason="HTTP 503", status="error"),
        {k: v for k, v in observation(status="not_found", http_status=404).items() if k not in ("reason", "http_status")},
        {k: v for k, v in observation().items() if k != "schema"},  # no tag, the keys say what it is
        observation(schema=None),
        observation(schema=1),
        observation(schema="wenshu.judgment/1"),  # another contract: unknown_format
        "",
        "   \t",
        "\x0b",
        observation(reason="  不宜\u3000在\t互联网\r公布  "),
        observation(reason="a\u0001b\u007fc"),
        observation(reason="a  b"),
        '{"schema":"wenshu.observation/1","doc_id":"emoji","checked_at":"2021-05-04T03:12:45Z","status":"removed","reason":"\\ud83d\\ude00\\u00e9\\/"}',
        observation(reason="\u2003 padded \u205f"),
        observation(reason="\u2028"),
        observation(reason=""),
        observation(reason="   "),
        observation(reason="<b>markup</b>"),
        observation(reason="a < b"),
        observation(reason=6),
        observation(reason=["06"]),
        observation(status="gone"),
        observation(status=None),
        observation(status=1),
        observation(status=" removed"),
        observation(http_status=99),
        observation(http_status=600),
        observation(http_status=599),
        observation(http_status=200.0),
        observation(http_status=True),
        observation(http_status="200"),
        observation(http_status=-200),
        observation(http_status=18446744073709551616),
        observation(checked_at=None),
        observation(checked_at=""),
        observation(checked_at=20210504),
        observation(checked_at="2021-02-29T00:00:00Z"),
        observation(checked_at="2020-02-29T00:00:00Z"),
        observation(checked_at="2021-04-31T00:00:00Z"),
        observation(checked_at="2021-05-04T24:00:00Z"),
        observation(checked_at="2021-05-04T23:59:60Z"),
        observation(checked_at="2021-05-04T03:12:45+24:00"),
        observation(checked_at="2021-05-04T03:12:45+23:59"),
        observation(checked_at="2021-05-04T03:12:45.1234567Z"),
        observation(checked_at="2021-05-04"),
        observation(checked_at=" 2021-05-04T03:12:45Z "),
        observation(checked_at="2021-05-04T03:12:45z"),
        observation(checked_at="20210504T031245"),
        observation(checked_at="1949-09-30T23:59:59Z"),
        observation(checked_at="1949-10-01T00:00:00Z"),
        observation(checked_at="1949-10-01T07:00:00+08:00"),
        observation(checked_at="0000-01-01T00:00:00Z"),
        observation(checked_at=future),
        observation(checked_at=NOW.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
        observation(doc_id="../../etc/passwd"),
        observation(doc_id="a/b"),
        observation(doc_id=""),
        observation(doc_id="  "),
        observation(doc_id=None),
        observation(doc_id=12345),
        observation(doc_id="x" * 128),
        observation(doc_id="x" * 129),
        observation(doc_id="ok\n"),  # Python's $ lets a trailing newline through
        observation(doc_id="文书"),
        '{"schema":"wenshu.observation/1","doc\\u005fid":"escaped","checked_at":"2021-05-04T03:12:45Z","status":"removed"}',
        '{"schema":"wenshu.observation/1","doc_id":"first","doc_id":"last","checked_at":"2021-05-04T03:12:45Z","status":"removed"}',
        '{"schema":"wenshu.observation/1","doc_id":"nan","checked_at":"2021-05-04T03:12:45Z","status":"removed","x":NaN}',
        '{"schema":"wenshu.observation/1","doc_id":"inf","checked_at":"2021-05-04T03:12:45Z","status":"removed","x":-Infinity}',
        '{"schema":"wenshu.observation/1","doc_id":"comma","checked_at":"2021-05-04T03:12:45Z","status":"removed",}',
        '{"schema":"wenshu.observation/1","doc_id":"big","checked_at":"2021-05-04T03:12:45Z","status":"removed","x":1e400}',
        '{"schema":"wenshu.observation/1","doc_id":"deep","checked_at":"2021-05-04T03:12:45Z","status":"removed","x":'
        + "[" * 1100
        + "]" * 1100
        + "}",
        '{"schema":"wenshu.observation/1","doc_id":"nul","checked_at":"2021-05-04T03:12:45Z","status":"removed","reason":"a\\u0000b"}',
        '{"schema":"wenshu.observation/1","doc_id":"truncated","checked_at":"2021-05-0',
        '{"schema":"wenshu.observation/1" "doc_id":"x"}',
        "[1, 2]",
        '"just a string"',
        "123",
        "null",
        {"something": "else"},
        {"s1": "标题", "s2": "法院", "s5": "cjo1", "qwContent": "<p>正文</p>"},  # a CJO web record in the monitor folder
        observation(extra={"nested": [1, {"x": None}]}, more="ignored"),
        observation(doc_id="last-line"),
    ]
    write_lines(tmp_path / "landing/monitor/m/observations-00000.jsonl", lines, end="\r\n")
    report = ingest_both(tmp_path, monkeypatch, mode="observations")
    (stats,) = fast_runs["monitor/m/observations-00000.jsonl"]
    assert stats.records == len(lines) - 3 and 20 < stats.sql_rows < stats.records and stats.python_records > 30
    reasons = report.counter("reasons")
    for reason in ("invalid_value:status", "impossible_timestamp:checked_at", "invalid_timestamp:checked_at", "unsafe_doc_id",
                   "wrong_type:http_status", "invalid_json", "not_an_object", "unknown_format", "missing:checked_at"):  # fmt: skip
        assert reasons.get(reason), reason
    accepted = {row["doc_id"] for row in rows(tmp_path / "work-off", "observations")}
    assert {"ok\n", "escaped", "last", "x" * 128} <= accepted and "first" not in accepted


# Characters that clean_field removes, folds or strips, and markup.
_ODD = st.sampled_from(list(" \t\r\n\f\v\x01\x1f\x7f\x85\u00a0\u2003\u2028\u3000<>ab中"))


@settings(max_examples=60)
@given(
    reasons=st.lists(
        st.one_of(st.none(), st.text(alphabet=_ODD | st.characters(codec="utf-8"), max_size=12)), min_size=1, max_size=20
    ),
    offsets=st.lists(st.integers(-23 * 60 - 59, 23 * 60 + 59), min_size=1, max_size=20),
)
def test_observations_match_python_for_any_reason_and_offset(tmp_path_factory, reasons, offsets):
    """clean_field and the timestamp parser over arbitrary text and time zones."""
    tmp_path = tmp_path_factory.mktemp("hyp")
    with pytest.MonkeyPatch.context() as monkeypatch:
        runs = _record_fast_runs(monkeypatch)
        lines = []
        for i, (reason, minutes) in enumerate(zip(reasons, offsets * len(reasons), strict=False)):
            sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
            lines.append(
                observation(
                    f"d{i}",
                    reason=reason,
                    checked_at=f"2020-02-29T23:{i % 60:02d}:07.5{sign}{minutes // 60:02d}:{minutes % 60:02d}",
                )
            )
        write_lines(tmp_path / "landing/monitor/m/o.jsonl", lines)
        ingest_both(tmp_path, monkeypatch, mode="observations")
        assert runs["monitor/m/o.jsonl"][0].records == len(lines)
    get_settings.cache_clear()


def test_every_day_of_the_calendar(tmp_path, monkeypatch, fast_runs):
    lines = [observation(f"d{y}{m}{d}", checked_at=f"{y}-{m:02d}-{d:02d}T12:00:00Z")
             for y in (1949, 1900, 2000, 2020, 2021, 2100) for m in range(0, 14) for d in range(0, 33)]  # fmt: skip
    write_lines(tmp_path / "landing/monitor/m/o.jsonl.gz", lines)
    report = ingest_both(tmp_path, monkeypatch)
    assert fast_runs["monitor/m/o.jsonl.gz"][0].sql_rows == report.totals()["accepted"] > 1000


@pytest.mark.parametrize(
    ("name", "encoding", "bom"),
    [
        ("bom.jsonl", "utf-8", True),
        ("gbk.jsonl", "gb18030", False),
        ("gbk.jsonl.gz", "gb18030", False),
        ("plain.ndjson", "utf-8", False),
    ],
)
def test_encodings_and_containers(tmp_path, monkeypatch, fast_runs, name, encoding, bom):
    lines = [observation(f"d{i}", reason="人民法院认为不宜在互联网公布的其他情形") for i in range(300)]
    write_lines(tmp_path / "landing/monitor/m" / name, lines, encoding=encoding, bom=bom)
    ingest_both(tmp_path, monkeypatch)
    (stats,) = fast_runs[f"monitor/m/{name}"]
    assert stats.sql_rows == 300 and stats.python_records == 0


def test_a_line_that_does_not_decode_sends_the_file_to_python(tmp_path, monkeypatch, fast_runs):
    good = json.dumps(observation(), ensure_ascii=False).encode()
    path = tmp_path / "landing/monitor/m/mixed.jsonl"
    path.parent.mkdir(parents=True)
    # Past the 256 KB the encoding is decided on, so the file is UTF-8 with one bad line.
    path.write_bytes(b"\n".join([good] * 2000 + [good.replace(b"06", b"\xff\xfe")] + [good] * 10))
    report = ingest_both(tmp_path, monkeypatch)
    assert fast_runs["monitor/m/mixed.jsonl"] == [None]
    assert report.counter("reasons") == {"undecodable_line": 1}


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_gzip_sends_the_file_to_python(tmp_path, monkeypatch, fast_runs, damage):
    data = gzip.compress(b"\n".join(json.dumps(observation(f"d{i}")).encode() for i in range(2000)))
    path = tmp_path / "landing/monitor/m/o.jsonl.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(data[: len(data) // 2] if damage == "truncated" else data + b"garbage")
    report = ingest_both(tmp_path, monkeypatch)
    assert fast_runs["monitor/m/o.jsonl.gz"] == [None]
    assert report.totals()["files_unreadable"] == 1 and report.reconciles


def test_a_file_whose_first_record_is_not_the_contract_stays_in_python(tmp_path, monkeypatch, fast_runs):
    write_lines(tmp_path / "landing/monitor/m/o.jsonl", [{"doc": "legacy"}, *[observation(f"d{i}") for i in range(50)]])
    ingest_both(tmp_path, monkeypatch)
    assert fast_runs["monitor/m/o.jsonl"] == [None]


# --- judgments ---------------------------------------------------------------------------------

CJO_WEB = {"s1": "张某盗窃一审刑事判决书", "s2": "上海市奉贤区人民法院", "s5": "cjoweb1", "s6": "01", "s7": "（2017）沪0120刑初684号",
           "s31": "2017-05-01", "qwContent": "<div><p>上海市奉贤区人民法院</p><p>刑事判决书</p><p>被告人张某犯盗窃罪。</p></div>"}  # fmt: skip


def test_judgment_edge_cases(tmp_path, monkeypatch, fast_runs):
    lines: list[Any] = [
        judgment("plain"),
        judgment("dup", text=TEXT),
        judgment("dup", text=TEXT),  # the same capture twice: not a conflict
        judgment("dup", text=TEXT + "\n补正"),  # another text under the same id: flagged
        judgment("html", text="<div><p>上海市奉贤区人民法院</p><p>刑事判决书</p><script>x()</script><p>被告人张某。</p></div>"),
        judgment("html-title", title="<b>张某</b>盗窃"),
        judgment(
            "spaces",
            text="　　上海市奉贤区人民法院\r\n\r\n刑事判决书\u3000\u3000（２０１７）沪0120刑初684号\t\x01\n \u2003\n被告人张某",
        ),
        judgment("empty-text", text="\u3000\x01\r\n"),
        judgment("blank-text", text="  \n "),
        judgment("no-text", text=None),
        judgment("huge", text="字" * 5001),
        judgment("huge-title", title="题" * 1001),
        judgment("control-title", title="张某\x01盗窃\n一审\u3000\u3000判决书 "),
        judgment("no-court", court_name=None),
        judgment("control-court", court_name="\x01"),  # empty once cleaned: recovered from the text
        judgment("blank-cause", cause="   "),
        judgment("no-number", case_number=None),
        judgment("bad-number", case_number="（2017）沪0120刑684号"),
        judgment("legacy-number", case_number="（2013）蒙刑初字第00012号"),
        judgment("none-number", case_number="无"),
        judgment("no-date", judgment_date=None),
        judgment("old-date", judgment_date="1900-01-01"),
        judgment("future-date", judgment_date="2099-01-01", publish_date="2099-02-01"),
        judgment("feb-30", judgment_date="2017-02-30"),
        judgment("datetime-date", judgment_date="2017-05-01T08:00:00"),
        judgment("spaced-date", judgment_date=" 2017-05-01"),
        judgment("week-date", judgment_date="2017-W18-1"),
        judgment("publish-first", judgment_date="2017-05-01", publish_date="2017-04-01"),
        judgment("publish-empty", publish_date=""),
        judgment("publish-none", publish_date=None),
        judgment("publish-bad", publish_date="2017-13-01"),
        judgment("no-basis", legal_basis=None),
        judgment("empty-basis", legal_basis=[]),
        judgment("basis-escaped", legal_basis=['《刑法》"第一条"']),
        judgment("basis-typed", legal_basis=[1]),
        judgment("no-parties", parties=None),
        judgment("empty-parties", parties=[]),
        judgment("party-numbers", parties=[{"role": "被告人", "name": "张某", "age": 30, "adult": True, "note": None}]),
        judgment("party-float", parties=[{"role": "被告人", "age": 30.5}]),
        judgment("party-nested", parties=[{"role": "被告人", "aliases": ["张三"]}]),
        judgment("party-escaped", parties=[{"role": "被告人", "name": 'say "hi"'}]),
        judgment("party-control", parties=[{"role": "被告人", "name": "张\u001f某"}]),  # DuckDB escapes it as \u001F
        judgment("party-not-object", parties=["张某"]),
        judgment("parties-string", parties="张某"),
        '{"schema":"wenshu.judgment/1","doc_id":"party-dup","text":"'
        + TEXT.replace("\n", "\\n")
        + '","court_name":"上海市奉贤区人民法院",'
        '"document_type":"判决书","cause":"盗窃罪","case_number":"（2017）沪0120刑初684号","judgment_date":"2017-05-01",'
        '"legal_basis":["《刑法》"],"parties":[{"role":"被告人","role":"被告"}]}',
        judgment("captured-none", captured_at=None),
        judgment("captured-empty", captured_at=""),
        judgment("captured-offset", captured_at="2026-01-01T08:00:00+08:00"),
        judgment("captured-bad", captured_at="yesterday"),
        judgment("captured-naive", captured_at="2026-01-01 00:00:00"),
        judgment("typed-title", title=12),
        judgment("../escape"),
        judgment(42),
        {k: v for k, v in judgment("no-schema").items() if k != "schema"},
        judgment("other-schema", schema="wenshu.judgment/2"),
        judgment("foreign-schema", schema="somebody/1"),
        CJO_WEB,
        {"text_id": "judge1", "fd": TEXT, "la": [264]},
        '{"schema":"wenshu.judgment/1","doc_id":"trunc","text":"上海',
        "[]",
        "",
        judgment("last"),
    ]
    write_lines(tmp_path / "landing/scraper/s/part-00000.jsonl", lines)
    report = ingest_both(tmp_path, monkeypatch, max_field_bytes="5000")
    (stats,) = fast_runs["scraper/s/part-00000.jsonl"]
    assert stats.records == len(lines) - 1 and stats.sql_rows > 15 and stats.python_records > 20
    assert report.counter("formats", "judgments").keys() >= {"wenshu_jsonl", "cjo_web_api", "judge_dump"}
    assert report.counter("flags", "judgments").get("conflicting_duplicate_id") == 1
    by_id = {row["doc_id"]: row for row in rows(tmp_path / "work-off", "judgments")}
    assert "conflicting_duplicate_id" in by_id["dup"]["flags"] or any(
        "conflicting_duplicate_id" in row["flags"] for row in rows(tmp_path / "work-off", "judgments") if row["doc_id"] == "dup"
    )


def test_judgment_files_in_gb18030_with_bom_and_gzip(tmp_path, monkeypatch, fast_runs):
    write_lines(tmp_path / "landing/scraper/s/gbk.jsonl", [judgment(f"g{i}") for i in range(20)], encoding="gb18030")
    write_lines(tmp_path / "landing/scraper/s/bom.jsonl.gz", [judgment(f"b{i}") for i in range(20)], bom=True)
    ingest_both(tmp_path, monkeypatch)
    assert [runs[0].sql_rows for runs in fast_runs.values()] == [20, 20]


def test_real_samples_are_not_contract_shaped_and_stay_in_python(tmp_path, monkeypatch, fast_runs, shared_data):
    """The shared samples are research dumps and CJO captures: the fast path must decline each
    file (and the results equal the Python path's, which test_real_samples pins)."""
    for source in (shared_data / "judgments").glob("*.jsonl*"):
        target = tmp_path / "landing/scraper/samples" / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    report = ingest_both(tmp_path, monkeypatch)
    assert report.totals()["read"] >= 700
    assert fast_runs and all(runs == [None] for runs in fast_runs.values())


def test_text_facts_are_the_python_functions():
    """The UDF is the Python path's own text work: compare with judgment_row on one record."""
    import pyarrow as pa

    from flows.ingest.normalise import Provenance, judgment_row

    row = judgment_row(judgment(), Provenance("wenshu_jsonl", "k", 1, "s", NOW), 10_000)
    (facts,) = fast.text_facts(pa.array([TEXT], pa.large_string()), pa.array([judgment()["case_number"]])).to_pylist()
    assert facts["text"] == row["text"] and facts["text_sha256"] == row["text_sha256"]
    assert facts["party_roles_json"] == row["party_roles_json"] and facts["judges_count"] == row["judges_count"]
    assert (
        (facts["case_number"], facts["court_code"])
        == (row["case_number"], row["court_code"])
        == ("（2017）沪0120刑初684号", "0120")
    )
    assert orjson.loads(facts["party_roles_json"]) == {"公诉机关": 1, "被告人": 1}
