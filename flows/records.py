"""The raw layer's record types: the contract between ingest (writes) and dbt staging (reads).

Each landing file becomes one Parquet file per table with exactly these columns, so dbt can
read the whole raw layer with one glob and every partition has the same schema.
"""

from __future__ import annotations

import pyarrow as pa

JUDGMENT_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("case_number", pa.string()),
        pa.field("case_year", pa.int32()),
        pa.field("case_province_abbr", pa.string()),
        pa.field("court_code", pa.string()),
        pa.field("case_type_code", pa.string()),
        pa.field("case_sequence", pa.int64()),
        pa.field("case_number_style", pa.string()),
        pa.field("case_number_error", pa.string()),
        pa.field("title", pa.string()),
        pa.field("court_name", pa.string()),
        pa.field("case_type", pa.string()),
        pa.field("procedure", pa.string()),
        pa.field("cause", pa.string()),
        pa.field("document_type", pa.string()),
        pa.field("judgment_date", pa.date32()),
        pa.field("publish_date", pa.date32()),
        pa.field("parties_count", pa.int32()),
        pa.field("party_roles_json", pa.string()),
        pa.field("judges_count", pa.int32()),
        pa.field("parties_json", pa.string()),
        pa.field("legal_basis_json", pa.string()),
        pa.field("text", pa.large_string()),
        pa.field("text_chars", pa.int32()),
        pa.field("text_sha256", pa.string()),
        pa.field("flags", pa.list_(pa.string())),
        pa.field("recovered_fields", pa.list_(pa.string())),
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("captured_at", pa.timestamp("us", tz="UTC")),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

OBSERVATION_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("checked_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("http_status", pa.int32()),
        pa.field("reason", pa.string()),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

RAW_TABLES = {"judgments": JUDGMENT_SCHEMA, "observations": OBSERVATION_SCHEMA}
OBSERVATION_STATUSES = ("available", "removed", "not_found", "error")
