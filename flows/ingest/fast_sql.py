"""SQL of the ingest fast path: which contract records DuckDB can vouch for, and their raw rows.

A record is *vouched for* only where this SQL computes exactly what :mod:`flows.ingest.normalise`
would; everything else (any record Python would reject, and any value whose parsing or cleaning
is not reproduced here) is left to the Python path, so the SQL never has to explain a rejection.
Patterns are RE2 (``[0-9]`` is ASCII, ``$`` only matches at the end); the character classes are
generated from Python's own definitions.
"""

from __future__ import annotations

import sys

from flows.ingest.adapters.contract import JUDGMENT_FIELDS, JUDGMENT_SCHEMA_TAG, OBSERVATION_FIELDS, OBSERVATION_SCHEMA_TAG
from flows.ingest.normalise import EARLIEST_DATE, MAX_SHORT_FIELD_CHARS
from flows.records import OBSERVATION_STATUSES


def _re_class(chars: str) -> str:
    """An RE2 character class of ``chars``, as ranges of code points."""
    ranges: list[list[int]] = []
    for point in sorted({ord(c) for c in chars}):
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "[" + "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# What str.strip() removes; a field that is only this is missing (normalise._string).
_SPACE_CHARS = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
SPACE = _re_class(_SPACE_CHARS)
# text.clean_field: control characters go, newlines and runs of inline space become one space.
_CONTROL_CHARS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
CONTROL = _re_class(_CONTROL_CHARS)
INLINE_SPACE = _re_class(" \t\r\f\v\u00a0\u3000")
# A field clean_field leaves as it is: nothing to remove, fold or strip.
_FOLDED_CHARS = _CONTROL_CHARS + "\n\t\r\f\v\u00a0\u3000"
UNCLEAN_FIELD = f"{_re_class(_FOLDED_CHARS)}|  |^{SPACE}|{SPACE}$"
# normalise._DOC_ID, without the trailing newline Python's ``$`` lets through (those go to Python).
DOC_ID = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"
# Timestamps datetime.fromisoformat reads (after "Z" → "+00:00") as DuckDB casts them to TIMESTAMPTZ
# (session time zone UTC, as Python reads a naive one): every field in range by the pattern, only the
# day of the month left for the cast to check. Other spellings Python accepts go to Python.
_DAY = "(?:1[0-9]{3}|2[0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
ISO_TIMESTAMP = (
    f"{_DAY}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{{1,6}})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
)
ISO_DATE_PREFIX = f"^{_DAY}"
# Lines yyjson (DuckDB) parses but orjson refuses: NaN/Infinity, trailing commas, numbers beyond
# a double. Each pattern opens with a literal, so RE2 skips ahead with memchr.
_REFUSED_NUMBER = r"-?(?:(?i:nan|inf)|[0-9]{20}|[0-9][0-9.]*[eE]\+?[0-9]{3})"
JSON_GUARDS = (rf":\s*{_REFUSED_NUMBER}", rf",\s*(?:[\]}}]|{_REFUSED_NUMBER})", rf"\[\s*{_REFUSED_NUMBER}")
# orjson refuses nesting deeper than 1024; a line with fewer brackets cannot nest that deep.
MAX_BRACKETS = 1000
# What bytes.isspace() calls blank (the reader skips such lines).
BLANK_LINE = "[ \\t\\r\\x0b\\x0c]*"

MACROS = f"""
CREATE OR REPLACE TEMP MACRO wenshu_absent(t) AS t IS NULL OR t = 'NULL';
CREATE OR REPLACE TEMP MACRO wenshu_blank(v) AS NOT regexp_matches(v, {_lit("[^" + SPACE[1:])});
CREATE OR REPLACE TEMP MACRO wenshu_clean_field(v) AS CASE WHEN regexp_matches(v, {_lit(UNCLEAN_FIELD)}) THEN regexp_replace(
    regexp_replace(replace(regexp_replace(v, {_lit(CONTROL)}, '', 'g'), chr(10), ' '), {_lit(INLINE_SPACE + "+")}, ' ', 'g'),
    {_lit(f"^{SPACE}+|{SPACE}+$")}, '', 'g') ELSE v END;
CREATE OR REPLACE TEMP MACRO wenshu_timestamp(v) AS
    CASE WHEN regexp_full_match(v, {_lit(ISO_TIMESTAMP)}) THEN try_cast(v AS TIMESTAMPTZ) END;
CREATE OR REPLACE TEMP MACRO wenshu_date(v) AS
    CASE WHEN regexp_matches(v, {_lit(ISO_DATE_PREFIX)}) THEN try_cast(v[1:10] AS DATE) END;
"""


class _Fields:
    """SQL for the JSON type (``t``) and string value (``v``) of each named field of a line."""

    def __init__(self, names: tuple[str, ...]):
        self.names = ("schema", *names)

    def select(self) -> str:
        """Types and values of the fields of a line both parsers read alike (NULLs for any other)."""
        types = ", ".join(_lit(p) for p in ("$", *(f"$.{n}" for n in self.names)))
        values = ", ".join(_lit(f"$.{n}") for n in self.names)
        return (
            f"CASE WHEN keys IS NOT NULL THEN json_type(raw, [{types}]) END AS t,"
            f" CASE WHEN keys IS NOT NULL THEN json_extract_string(raw, [{values}]) END AS v"
        )

    def t(self, name: str) -> str:
        return f"t[{self.names.index(name) + 2}]"

    def v(self, name: str) -> str:
        return f"v[{self.names.index(name) + 1}]"

    def plain_object(self) -> str:
        """An object, none of whose keys repeats (orjson keeps the last, DuckDB reads the first).
        When there are as many keys as known fields present, none can repeat: the cheap test first."""
        present = " + ".join(f"({self.t(name)} IS NOT NULL)::INT" for name in self.names)
        return f"t[1] = 'OBJECT' AND CASE WHEN len(keys) = {present} THEN true ELSE len(keys) = len(list_distinct(keys)) END"

    def matches(self, tag: str, required: tuple[str, ...]) -> str:
        """contract.matches_*: the schema tag if it is a string, else the presence of the keys."""
        present = " AND ".join(f"{self.t(name)} IS NOT NULL" for name in required)
        return f"CASE WHEN {self.t('schema')} = 'VARCHAR' THEN starts_with({self.v('schema')}, {_lit(tag)}) ELSE {present} END"


def _lines(fields: _Fields) -> str:
    """CTE ``j``: every non-blank line of the registered Arrow table ``lines``; for those both
    parsers read alike, ``keys`` (also the validity test: NULL if not JSON) and the fields."""
    guards = " AND ".join(f"NOT regexp_matches(raw, {_lit(g)})" for g in JSON_GUARDS)
    brackets = f"len(string_split(raw, '[')) + len(string_split(raw, '{{')) < {MAX_BRACKETS}"
    return f"""
    l AS (
        SELECT line_no, raw, {guards} AND NOT contains(raw, '\\u0000') AND {brackets} AS plain
        FROM lines WHERE NOT regexp_full_match(raw, {_lit(BLANK_LINE)})
    ),
    k AS (SELECT line_no, raw, CASE WHEN plain THEN try(json_keys(raw)) END AS keys FROM l),
    j AS (SELECT line_no, keys, {fields.select()} FROM k)"""


def observations() -> str:
    """One row per record: ``line_no``, ``vouched`` and, where vouched, the raw row's columns."""
    f = _Fields(OBSERVATION_FIELDS)
    t, v = f.t, f.v
    statuses = ", ".join(_lit(s) for s in OBSERVATION_STATUSES)
    return f"""
CREATE OR REPLACE TEMP TABLE staged AS
WITH {_lines(f)},
    typed AS (SELECT *, wenshu_timestamp({v("checked_at")}) AS checked_at FROM j),
    checked AS (
        SELECT *, coalesce(
            {f.plain_object()}
            AND {f.matches(OBSERVATION_SCHEMA_TAG, ("doc_id", "checked_at", "status"))}
            AND {t("doc_id")} = 'VARCHAR' AND regexp_full_match({v("doc_id")}, {_lit(DOC_ID)})
            AND {t("checked_at")} = 'VARCHAR' AND checked_at <= $now AND checked_at::DATE >= DATE '{EARLIEST_DATE}'
            AND {t("status")} = 'VARCHAR' AND {v("status")} IN ({statuses})
            AND (wenshu_absent({t("http_status")})
                 OR ({t("http_status")} IN ('BIGINT', 'UBIGINT') AND try_cast({v("http_status")} AS BIGINT) BETWEEN 100 AND 599))
            AND (wenshu_absent({t("reason")}) OR ({t("reason")} = 'VARCHAR' AND NOT contains({v("reason")}, '<'))),
            false) AS vouched
        FROM typed
    )
SELECT line_no, vouched,
       {v("doc_id")} AS doc_id,
       checked_at,
       {v("status")} AS status,
       try_cast({v("http_status")} AS INTEGER) AS http_status,
       CASE WHEN {t("reason")} = 'VARCHAR' AND NOT wenshu_blank({v("reason")}) THEN wenshu_clean_field({v("reason")}) END AS reason,
       $source_file AS source_file,
       line_no AS source_line,
       $source_sha256 AS source_sha256,
       $now::TIMESTAMPTZ AS ingested_at
FROM checked
"""


_SHORT_FIELDS = ("title", "court_name", "case_type", "procedure", "cause", "document_type")
# Short fields Python fills from the text when they are missing (or empty once cleaned): such
# records go to Python.
_FILLED_WHEN_MISSING = ("court_name", "document_type", "cause")
_JSON_SCALARS = "('VARCHAR', 'NULL', 'BOOLEAN', 'BIGINT', 'UBIGINT')"


def judgments() -> str:
    """One row per record: ``line_no``, ``vouched``, the typed metadata, and the raw text and 案号
    for the text-facts function (:func:`flows.ingest.fast.text_facts`)."""
    f = _Fields(JUDGMENT_FIELDS)
    t, v = f.t, f.v

    def present(name: str) -> str:
        return f"{t(name)} = 'VARCHAR' AND NOT wenshu_blank({v(name)})"

    def short_ok(name: str) -> str:  # markup in a field goes to Python (clean_text and a flag)
        fits = f"length({v(name)}) <= {MAX_SHORT_FIELD_CHARS} AND NOT contains({v(name)}, '<')"
        return f"(wenshu_absent({t(name)}) OR ({t(name)} = 'VARCHAR' AND (wenshu_blank({v(name)}) OR ({fits}))))"

    def short_value(name: str) -> str:  # normalise: ``short[name] = value or None`` once cleaned
        return f"CASE WHEN {present(name)} THEN nullif(wenshu_clean_field({v(name)}), '') END AS {name}"

    # DuckDB re-serialises the parties list as orjson.dumps does when nothing in it is escaped and
    # every value is a plain scalar (ints print alike, floats may not).
    parties_ok = f"""(wenshu_absent({t("parties")}) OR ({t("parties")} = 'ARRAY' AND NOT contains({v("parties")}, '\\')
            AND coalesce(list_bool_and(list_transform(party_items, p ->
                json_type(p) = 'OBJECT' AND len(json_keys(p)) = len(list_distinct(json_keys(p)))
                AND coalesce(list_bool_and(list_transform(json_extract(p, '$.*'), x -> json_type(x) IN {_JSON_SCALARS})), true))),
                true)))"""
    # An empty or missing legal basis is recovered from the text: Python's job.
    basis_ok = f"""({t("legal_basis")} = 'ARRAY' AND len(basis_types) > 0 AND NOT contains({v("legal_basis")}, '\\')
            AND list_bool_and(list_transform(basis_types, x -> x = 'VARCHAR')))"""
    return f"""
CREATE OR REPLACE TEMP TABLE staged AS
WITH {_lines(f)},
    typed AS (
        SELECT *,
            wenshu_date({v("judgment_date")}) AS judged,
            wenshu_date({v("publish_date")}) AS published,
            wenshu_timestamp({v("captured_at")}) AS captured,
            {", ".join(short_value(name) for name in _SHORT_FIELDS)},
            CASE WHEN {t("parties")} = 'ARRAY' THEN json_extract({v("parties")}, '$[*]') END AS party_items,
            CASE WHEN {t("legal_basis")} = 'ARRAY' THEN json_type({v("legal_basis")}, '$[*]') END AS basis_types
        FROM j
    ),
    checked AS (
        SELECT *, coalesce(
            {f.plain_object()}
            AND {f.matches(JUDGMENT_SCHEMA_TAG, ("doc_id", "text"))}
            AND {t("doc_id")} = 'VARCHAR' AND regexp_full_match({v("doc_id")}, {_lit(DOC_ID)})
            AND {present("text")} AND length({v("text")}) <= $max_chars
            AND {" AND ".join(short_ok(name) for name in _SHORT_FIELDS)}
            AND {" AND ".join(f"{name} IS NOT NULL" for name in _FILLED_WHEN_MISSING)}
            AND {parties_ok}
            AND {basis_ok}
            AND {t("judgment_date")} = 'VARCHAR' AND judged IS NOT NULL
            AND (wenshu_absent({t("publish_date")})
                 OR ({t("publish_date")} = 'VARCHAR' AND ({v("publish_date")} = '' OR published IS NOT NULL)))
            AND {present("case_number")}
            AND (wenshu_absent({t("captured_at")})
                 OR ({t("captured_at")} = 'VARCHAR' AND ({v("captured_at")} = '' OR captured IS NOT NULL))),
            false) AS vouched
        FROM typed
    ),
    dated AS (
        SELECT *,
            CASE WHEN judged BETWEEN DATE '{EARLIEST_DATE}' AND $today THEN judged END AS judgment_date,
            CASE WHEN published BETWEEN DATE '{EARLIEST_DATE}' AND $today THEN published END AS publish_plausible
        FROM checked
    )
SELECT line_no, vouched,
       {v("doc_id")} AS doc_id,
       {", ".join(_SHORT_FIELDS)},
       judgment_date,
       CASE WHEN publish_plausible < judgment_date THEN NULL ELSE publish_plausible END AS publish_date,
       list_concat(
           CASE WHEN judged IS NOT NULL AND judgment_date IS NULL THEN ['impossible_judgment_date'] ELSE [] END,
           CASE WHEN published IS NOT NULL AND publish_plausible IS NULL THEN ['impossible_publish_date'] ELSE [] END,
           CASE WHEN publish_plausible < judgment_date THEN ['publish_before_judgment'] ELSE [] END
       )::VARCHAR[] AS date_flags,
       CASE WHEN {t("parties")} = 'ARRAY' THEN len(party_items) ELSE 0 END AS parties_listed,
       CASE WHEN {t("parties")} = 'ARRAY' AND len(party_items) > 0 THEN {v("parties")} END AS parties_json,
       {v("legal_basis")} AS legal_basis_json,
       {v("text")} AS raw_text,
       {v("case_number")} AS raw_case_number,
       CASE WHEN {v("captured_at")} <> '' THEN captured END AS captured_at
FROM dated
"""


# The vouched judgments as raw rows once their text facts are known (an empty text, ``''``,
# sends the record to Python after all). The facts function runs once per row: no filter uses them.
JUDGMENT_ROWS = """
CREATE OR REPLACE TEMP TABLE fast_rows AS
WITH facts AS (
    SELECT *, wenshu_text_facts(raw_text, raw_case_number) AS x FROM staged WHERE vouched
)
SELECT doc_id,
       x.case_number, x.case_year, x.case_province_abbr, x.court_code, x.case_type_code, x.case_sequence,
       x.case_number_style, x.case_number_error,
       title, court_name, case_type, procedure, cause, document_type,
       judgment_date, publish_date,
       coalesce(nullif(parties_listed, 0), nullif(x.parties_in_text, 0))::INTEGER AS parties_count,
       x.party_roles_json, x.judges_count,
       parties_json, legal_basis_json,
       x.text, x.text_chars, x.text_sha256,
       list_concat(date_flags, CASE WHEN x.case_number_error IS NOT NULL
                                    THEN ['case_number_undecoded:' || x.case_number_error] ELSE [] END)::VARCHAR[] AS flags,
       []::VARCHAR[] AS recovered_fields,
       'wenshu_jsonl' AS source_format,
       $source_file AS source_file,
       line_no AS source_line,
       $source_sha256 AS source_sha256,
       captured_at,
       $now::TIMESTAMPTZ AS ingested_at
FROM facts
"""
