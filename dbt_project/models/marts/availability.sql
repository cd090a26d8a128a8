{#-
  One row per document the archive holds or the monitor checked. A document removed upstream
  stays in judgments; here it is flagged (is_removed_upstream) with when and why.
  Incremental builds (macros/incremental_documents.sql) recompute the documents the new
  judgment and observation partitions mention: a row depends on its document's alone. The checks
  come summarised per document (int_observations__checks, built before this model from all of
  each document's observations), so new judgments alone never read the observations.
-#}

{{ config(
    materialized='incremental',
    incremental_strategy='replace_documents',
    documents_from=['judgments', 'observations'],
    on_schema_change='fail',
) }}

{%- set incremental = is_incremental() %}

with

{% if incremental %}
touched as (

    {{ new_documents('judgments') }}
    union all
    {{ new_documents('observations') }}

),
{% endif %}

judgments as (

    select * from {{ ref('judgments') }}
    {% if incremental %}where doc_id in (select doc_id from touched){% endif %}

),

checks as (

    select * from {{ ref('int_observations__checks') }}
    {% if incremental %}where doc_id in (select doc_id from touched){% endif %}

),

episodes as (

    select * from {{ ref('int_observations__removal_episodes') }}
    {% if incremental %}where doc_id in (select doc_id from touched){% endif %}

),

-- checks has one row per checked document: cheaper to merge than every observation
documents as (

    select doc_id from judgments
    union
    select doc_id from checks

),

removals as (

    select
        doc_id,
        count(*) as removal_count,
        min(removed_at) as first_removed_at,
        max(reappeared_at) as reappeared_at,
        max(removed_at) filter (where is_ongoing) as removed_at,
        max(reason_code) filter (where is_ongoing) as reason_code,
        max(reason_text) filter (where is_ongoing) as reason_text
    from episodes
    group by doc_id

),

final as (

    select
        documents.doc_id,
        judgments.doc_id is not null as is_archived,
        coalesce(checks.latest_status, 'unchecked') as current_status,
        coalesce(checks.latest_status in ('removed', 'not_found'), false) as is_removed_upstream,
        removals.removed_at,
        removals.reason_code,
        removals.reason_text,
        checks.first_seen_available_at,
        checks.last_seen_available_at,
        removals.first_removed_at,
        removals.reappeared_at,
        cast(coalesce(removals.removal_count, 0) as integer) as removal_count,
        checks.first_checked_at,
        checks.last_checked_at,
        cast(coalesce(checks.check_count, 0) as integer) as check_count,
        cast(coalesce(checks.failed_check_count, 0) as integer) as failed_check_count,
        judgments.case_number,
        judgments.court_id,
        judgments.court_province,
        judgments.court_level,
        judgments.case_type,
        judgments.cause,
        judgments.publish_date

    from documents
    left join judgments on documents.doc_id = judgments.doc_id
    left join checks on documents.doc_id = checks.doc_id
    left join removals on documents.doc_id = removals.doc_id

)

select * from final
