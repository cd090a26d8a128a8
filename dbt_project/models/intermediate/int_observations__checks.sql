{#-
  One row per document the monitor checked: when it was first and last checked, how many checks
  were conclusive and how many failed (status error), when it was seen available, and what the
  latest conclusive check found. Checks at the same instant are ordered by source file and line.
  availability reads these rows, not the checks: an incremental build whose new partitions are
  judgments only then never reads the 22M observations of a million judgments (4 of the 7 s
  availability took).
  Incremental builds (macros/incremental_documents.sql) recompute the documents the new
  observation partitions mention, from all their checks.
-#}

{{ config(
    materialized='incremental',
    incremental_strategy='replace_documents',
    documents_from=['observations'],
    on_schema_change='fail',
) }}

with

observations as (

    select * from {{ ref('stg_raw__observations') }}
    {% if is_incremental() %}where doc_id in ({{ new_documents('observations') }}){% endif %}

)

select
    doc_id,
    min(checked_at) as first_checked_at,
    max(checked_at) as last_checked_at,
    count(*) filter (where status <> 'error') as check_count,
    count(*) filter (where status = 'error') as failed_check_count,
    min(checked_at) filter (where status = 'available') as first_seen_available_at,
    max(checked_at) filter (where status = 'available') as last_seen_available_at,
    arg_max(status, (checked_at, source_file, source_line)) filter (where status <> 'error') as latest_status
from observations
group by doc_id
