"""The privacy gate: redact names after victim, minor and witness roles; refuse to publish leaks.

Integration points: :func:`redaction_sql` / :func:`redacted_select` when exporting a table,
:func:`redaction_sql_of` for dbt's ``redacted`` macro (texts whose hash is published),
:func:`check_files` on every file before the first write to the store (:func:`check_bytes` for
documents built in memory: pointers, catalog, pages, feeds), and
:func:`check_dataset_redaction` before publishing a curated dataset.
"""

from flows.privacy.canaries import CANARY_NAMES
from flows.privacy.gate import Finding, PrivacyError, check_bytes, check_files, gate_fingerprint, scan_files
from flows.privacy.policy import check_codebook_redaction, check_dataset_redaction
from flows.privacy.redact import (
    find_role_names,
    published_columns,
    redact_text,
    redacted_query,
    redacted_select,
    redaction_sql,
    redaction_sql_of,
)

__all__ = [
    "CANARY_NAMES", "Finding", "PrivacyError", "check_bytes", "check_codebook_redaction", "check_dataset_redaction", "check_files",
    "find_role_names", "gate_fingerprint", "published_columns", "redact_text", "redacted_query", "redacted_select",
    "redaction_sql", "redaction_sql_of", "scan_files",
]  # fmt: skip
