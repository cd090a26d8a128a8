"""The DuckDB fast path for landing files in our own JSONL contract (``docs/landing-contract.md``).

Parsing one record at a time in Python costs ~11 µs of CPU per observation, and monitors write
~22 observations per judgment; this path takes ~5 µs. For a ``.jsonl`` file (gzipped or not)
whose first record is in the contract, DuckDB splits and parses every line and *vouches* for the
records whose raw row it computes exactly as :mod:`flows.ingest.normalise` would
(:mod:`flows.ingest.fast_sql`). Every other line — another format, a record Python would
quarantine, a value the SQL does not reproduce — goes through the Python parser
(:class:`flows.ingest.parse.RecordParser`) by line number, so the partition (rows, types, order,
even bytes), the quarantine and the counts are the Python path's.

Judgments can take the same route (``WENSHU_INGEST_FAST_PATH=all``): their texts are cleaned,
hashed and read for party roles, judges and the 案号 by the Python functions themselves, called
from SQL, since only those are exact. That text work is most of a judgment's cost, and DuckDB's
JSON and string functions read a 13 KB line slower than orjson and CPython do, so on two cores it
measured ~520 µs of CPU per judgment against the Python path's ~340 µs: off by default.

A file that cannot be read whole (corrupt gzip, undecodable bytes, larger than
``_MAX_FILE_BYTES``), is small (``MIN_LINES``) or whose first record is not in the contract is
left to the Python path entirely. ``WENSHU_INGEST_FAST_PATH=off`` (or ``false``) turns it off.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from flows import duck
from flows.ingest import fast_sql
from flows.ingest.adapters import OBSERVATION_ADAPTERS
from flows.ingest.adapters.contract import matches_judgment, matches_observation
from flows.ingest.case_number import decode_case_number
from flows.ingest.extract import TextFacts
from flows.ingest.parse import RecordParser
from flows.ingest.reader import read_whole, record_of_line
from flows.ingest.text import clean_text, text_sha256
from flows.ingest.writer import PartitionWriter, QuarantineWriter
from flows.records import RAW_TABLES
from flows.settings import get_settings

if TYPE_CHECKING:
    from flows.ingest.files import FileReport

log = logging.getLogger(__name__)

_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
# The contract keeps files to ~5,000 judgments (~65 MB); a far bigger file streams through Python.
_MAX_FILE_BYTES = 1 << 29
_OPENS_WITH_CONTRACT: dict[str, Callable[[Any], bool]] = {"judgments": matches_judgment, "observations": matches_observation}
_BLANK = " \t\r\x0b\x0c"
_UTF8_BOM = b"\xef\xbb\xbf"
# Below this many lines, setting up DuckDB (~50 ms a file) costs more than it saves.
MIN_LINES = 5_000


@dataclass(frozen=True)
class FastStats:
    """How one file was split: records whose rows DuckDB made, records left to Python."""

    records: int
    sql_rows: int
    python_records: int


def parse_fast(path: Path, key: str, report: FileReport, out: Path, now: datetime) -> FastStats | None:
    """Parse landing file ``key`` (local copy ``path``) into ``out`` as ``files._parse_into`` does
    and fill ``report``; None (report untouched) when the file is not for the fast path."""
    if get_settings().ingest_fast_path not in ("all", report.table) or not key.lower().endswith(_SUFFIXES):
        return None
    whole = read_whole(path, key, _MAX_FILE_BYTES)
    if whole is None:
        return None
    data, encoding = whole
    lines = _lines(data, encoding)
    if lines is None or lines.num_rows < MIN_LINES or not _opens_with_contract(lines, _OPENS_WITH_CONTRACT[report.table]):
        return None
    try:
        return _parse(lines, data, encoding, key, report, out, now)
    except duckdb.Error:
        log.warning("fast path failed on %s; the Python parser takes the file", key, exc_info=True)
        return None


def _lines(data: bytes, encoding: str) -> pa.Table | None:
    """``line_no`` and ``raw`` text of every line, split at ``\\n`` as the reader splits; None if
    some line would not decode (Python then quarantines those lines one by one). Splitting
    commutes with decoding: in UTF-8 and GB18030 the byte 0x0A only ever stands for itself."""
    if b"\x00" in data:
        return None
    if encoding == "gb18030":
        try:
            data = data.decode("gb18030").encode()
        except UnicodeDecodeError:
            return None
    elif encoding == "utf-8-sig":
        data = data.removeprefix(_UTF8_BOM)
    raw = pc.split_pattern(pa.array([data], pa.large_binary()), b"\n").flatten()
    try:
        text = raw.cast(pa.large_string())  # checks the UTF-8
    except pa.ArrowInvalid:
        return None
    return pa.table({"line_no": pa.array(range(1, len(text) + 1), pa.int64()), "raw": text})


def _opens_with_contract(lines: pa.Table, matches: Callable[[Any], bool]) -> bool:
    for start in range(0, lines.num_rows, 64):
        for line in lines.column("raw").slice(start, 64).to_pylist():
            if line.strip(_BLANK):
                try:
                    return matches(orjson.loads(line))
                except orjson.JSONDecodeError:
                    return False
    return False


def _parse(lines: pa.Table, data: bytes, encoding: str, key: str, report: FileReport, out: Path, now: datetime) -> FastStats:
    settings = get_settings()
    table, schema = report.table, RAW_TABLES[report.table]
    row_params = {"source_file": key, "source_sha256": report.source_sha256, "now": now}
    with duck.connect() as con, QuarantineWriter(out / "quarantine.jsonl") as quarantine:
        # Two ingest tasks run at once on two cores: a second DuckDB thread per file was measured to
        # cost CPU without saving time (the Arrow scan of one file's lines does not split well).
        con.execute("SET threads = 1; SET TimeZone = 'UTC'")
        con.execute(fast_sql.MACROS)
        con.register("lines", lines)
        if table == "judgments":
            con.create_function(  # type: ignore[call-overload]  # the stubs do not know Arrow UDFs return Arrow
                "wenshu_text_facts", text_facts, [duckdb.sqltype("VARCHAR")] * 2, _FACTS_SQL_TYPE,
                type="arrow", side_effects=False,
            )  # fmt: skip
            con.execute(fast_sql.judgments(), {"today": now.date(), "max_chars": settings.max_field_bytes})
            con.execute(fast_sql.JUDGMENT_ROWS, row_params)
            fast_rows = "(SELECT * FROM fast_rows WHERE text <> '')"
            leftover_sql = """SELECT line_no FROM staged WHERE NOT vouched
                              UNION ALL SELECT source_line FROM fast_rows WHERE text = '' ORDER BY 1"""
        else:
            con.execute(fast_sql.observations(), row_params)
            fast_rows = "(SELECT * FROM staged WHERE vouched)"
            leftover_sql = "SELECT line_no FROM staged WHERE NOT vouched ORDER BY line_no"
        con.unregister("lines")
        records = _scalar(con, "SELECT count(*) FROM staged")
        leftovers = [number for (number,) in con.execute(leftover_sql).fetchall()]

        parser = RecordParser(table, key, report.source_sha256, now, quarantine, settings.max_field_bytes, flag_duplicates=False)
        python_rows = []
        if leftovers:
            raw_lines = data.split(b"\n")
            for number in leftovers:
                record = record_of_line(number, raw_lines[number - 1], encoding)
                assert record is not None, f"line {number} is blank to Python, not to DuckDB"
                if (row := parser.parse(record)) is not None:
                    python_rows.append(row)
        sources = [fast_rows]
        if python_rows:
            con.register("python_rows", pa.Table.from_pylist(python_rows, schema=schema))
            sources.append("python_rows")

        tally = _Tally(table)
        with PartitionWriter(out / "part.parquet", schema, settings.ingest_batch_rows) as writer:
            result = con.execute(_output(table, schema, sources))
            writer.add_batches(tally.watch(result.to_arrow_reader(settings.ingest_batch_rows)))
    report.read, report.accepted, report.quarantined = records, writer.rows_written, quarantine.count
    report.reasons = dict(parser.reasons)
    observed = {OBSERVATION_ADAPTERS[0].name: report.accepted} if report.accepted else {}
    report.formats = tally.formats() if table == "judgments" else observed
    report.flags, report.flagged = dict(tally.flags), tally.flagged
    stats = FastStats(records, records - len(leftovers), len(leftovers))
    log.info("fast path file=%s records=%d sql_rows=%d python_records=%d", key, *vars(stats).values())
    return stats


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _output(table: str, schema: pa.Schema, sources: list[str]) -> str:
    """The file's rows in line order; for judgments, a doc_id whose text differs from its first
    capture in the file is flagged (``parse._flag_conflicting_duplicate`` over all the rows)."""
    columns = ", ".join(schema.names)
    select = columns
    if table == "judgments":
        duplicate = (
            "CASE WHEN text_sha256 <> first_value(text_sha256) OVER (PARTITION BY doc_id ORDER BY source_line)"
            " THEN list_append(flags, 'conflicting_duplicate_id') ELSE flags END AS flags"
        )
        select = ", ".join(duplicate if name == "flags" else name for name in schema.names)
    union = " UNION ALL ".join(f"SELECT {columns} FROM {source}" for source in sources)
    return f"SELECT {select} FROM ({union}) ORDER BY source_line"


class _Tally:
    """The report's formats and flags, counted as the rows stream past in line order (so each
    key comes first where Python's Counter meets it first)."""

    def __init__(self, table: str):
        self.counted = table == "judgments"
        self._formats: Counter[str] = Counter()
        self.flags: Counter[str] = Counter()
        self.flagged = 0

    def watch(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if self.counted:
                self._formats.update(batch.column("source_format").to_pylist())
                for flags in batch.column("flags").to_pylist():
                    if flags:
                        self.flagged += 1
                        self.flags.update(flag.split(":", 1)[0] for flag in flags)
            yield batch

    def formats(self) -> dict[str, int]:
        return dict(self._formats)


_FACTS_TYPE = pa.struct(
    [("text", pa.large_string()), ("text_chars", pa.int32()), ("text_sha256", pa.string()),
     ("party_roles_json", pa.string()), ("parties_in_text", pa.int32()), ("judges_count", pa.int32()),
     ("case_number", pa.string()), ("case_year", pa.int32()), ("case_province_abbr", pa.string()),
     ("court_code", pa.string()), ("case_type_code", pa.string()), ("case_sequence", pa.int64()),
     ("case_number_style", pa.string()), ("case_number_error", pa.string())]
)  # fmt: skip
_FACTS_SQL_TYPE = duckdb.struct_type(
    {
        field.name: duckdb.sqltype({pa.int32(): "INTEGER", pa.int64(): "BIGINT"}.get(field.type, "VARCHAR"))
        for field in _FACTS_TYPE
    }
)


def text_facts(texts: pa.Array, case_numbers: pa.Array) -> pa.Array:
    """What ``normalise.judgment_row`` computes from a contract record's text and 案号, by the
    same functions: the cleaned text and its fingerprint, party roles and judges read from it,
    the decoded 案号. An empty cleaned text comes back as ``""`` (Python quarantines the record)."""
    columns: dict[str, list[Any]] = {field.name: [] for field in _FACTS_TYPE}
    for raw, number in zip(texts.to_pylist(), case_numbers.to_pylist(), strict=True):
        text = clean_text(raw)
        meta, decoded = TextFacts(text), decode_case_number(number)
        facts = (
            (text, len(text), text_sha256(text),
             orjson.dumps(meta.party_roles).decode() if meta.party_roles else None, meta.parties_count, meta.judges_count,
             decoded.normalised, decoded.year, decoded.province_abbr, decoded.court_code, decoded.case_type_code,
             decoded.sequence, decoded.style, decoded.error)
            if text else ("", *[None] * (len(columns) - 1))
        )  # fmt: skip
        for column, value in zip(columns.values(), facts, strict=True):
            column.append(value)
    return pa.StructArray.from_arrays(
        [pa.array(values, field.type) for field, values in zip(_FACTS_TYPE, columns.values(), strict=True)],
        fields=list(_FACTS_TYPE),
    )
