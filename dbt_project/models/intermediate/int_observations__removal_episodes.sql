{#-
  One row per removal episode: a maximal run of consecutive conclusive checks of a document that
  found it gone (removed or not_found). Failed checks (status error) say nothing about the
  document: they are skipped, so they neither start nor end an episode.
  removed_at is the first check of the run (the removal happened between the check before it,
  last_available_before_at, and then); reappeared_at is the first available check after the run,
  null while the document is still gone. A document whose very first check finds it gone has an
  episode too: the monitor only checks documents that were published.
  Checks at the same instant are ordered by source file and line.
  Incremental builds (macros/incremental_documents.sql) recompute the episodes of the documents
  the new observation partitions mention, from all their checks.
-#}

{{ config(
    materialized='incremental',
    incremental_strategy='replace_documents',
    documents_from=['observations'],
    on_schema_change='fail',
) }}

with

observations as (

    -- Only a document with a check that found it gone has episodes, so the windows below sort the
    -- checks of those documents alone: 7 % of the checks in the benchmark (25 s -> 6 s at 22M).
    {%- set documents = "doc_id in (" ~ new_documents('observations') ~ ")" if is_incremental() else "true" %}
    select * from {{ ref('stg_raw__observations') }}
    where {{ documents }} and doc_id in (
        select doc_id from {{ ref('stg_raw__observations') }}
        where {{ documents }} and status in ('removed', 'not_found')
    )

),

reasons as (

    select * from {{ ref('stg_reference__not_public_reasons') }}

),

conclusive as (

    select
        doc_id,
        checked_at,
        status,
        reason,
        status in ('removed', 'not_found') as is_gone,
        row_number() over (
            partition by doc_id order by checked_at, source_file, source_line
        ) as check_number
    from observations
    where status <> 'error'

),

with_previous as (

    select
        *,
        lag(is_gone) over by_check as previous_is_gone,
        lag(checked_at) over by_check as previous_checked_at
    from conclusive
    window by_check as (partition by doc_id order by check_number)

),

numbered as (

    -- every check carries the number of the latest episode started at or before it
    select
        *,
        is_gone and not coalesce(previous_is_gone, false) as starts_episode,
        sum(case when is_gone and not coalesce(previous_is_gone, false) then 1 else 0 end) over (
            partition by doc_id order by check_number rows between unbounded preceding and current row
        ) as removal_number
    from with_previous

),

episodes as (

    select
        doc_id,
        removal_number,
        min(checked_at) filter (where is_gone) as removed_at,
        arg_min(status, check_number) filter (where is_gone) as removed_status,
        max(previous_checked_at) filter (where starts_episode) as last_available_before_at,
        max(checked_at) filter (where is_gone) as last_checked_removed_at,
        min(checked_at) filter (where not is_gone) as reappeared_at,
        -- the latest reason given during the episode
        arg_max(reason, check_number) filter (where is_gone and reason is not null) as reason
    from numbered
    where removal_number > 0
    group by doc_id, removal_number

),

final as (

    select
        episodes.doc_id,
        cast(episodes.removal_number as integer) as removal_number,
        episodes.removed_at,
        episodes.removed_status,
        episodes.last_available_before_at,
        episodes.last_checked_removed_at,
        episodes.reappeared_at,
        episodes.reappeared_at is null as is_ongoing,
        cast(date_diff(
            'day', episodes.removed_at, coalesce(episodes.reappeared_at, episodes.last_checked_removed_at)
        ) as integer) as days_removed,
        reasons.reason_code,
        coalesce(reasons.reason_text, episodes.reason) as reason_text

    from episodes
    left join reasons
        on case
            when regexp_matches(episodes.reason, '^[0-9]{1,2}$') then lpad(episodes.reason, 2, '0')
        end = reasons.reason_code

)

select * from final
