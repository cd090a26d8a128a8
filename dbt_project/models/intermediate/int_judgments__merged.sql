{#-
  One row per document from all its captures. Fields come from the latest capture; the text
  (with its length and hash) from the latest capture that has one, so a later metadata-only
  capture (e.g. a list record) never erases a text captured before.
  Captures without captured_at are dated by ingested_at.
  The captures are ranked on their keys alone and the chosen rows fetched back by key: a window
  over whole rows would sort every capture's text, which at a million documents does not fit in
  DuckDB's memory limit (and is slow when it spills).
-#}

with

captures as (

    select
        doc_id,
        source_file,
        source_line,
        ingested_at,
        coalesce(captured_at, ingested_at) as seen_at,
        text is null as text_missing
    from {{ ref('stg_raw__judgments') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by doc_id
            order by seen_at desc, ingested_at desc, source_file desc, source_line desc
        ) as recency_rank,
        row_number() over (
            partition by doc_id
            order by text_missing, seen_at desc, ingested_at desc, source_file desc, source_line desc
        ) as text_recency_rank
    from captures

),

capture_stats as (

    select
        doc_id,
        count(*) as capture_count,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at
    from captures
    group by doc_id

),

-- a capture is one line of one landing file as ingested at one time (a file re-ingested by a
-- newer parser, or replaced under the same name, is another capture)
chosen as (

    select stg.*, ranked.recency_rank, ranked.text_recency_rank
    from {{ ref('stg_raw__judgments') }} as stg
    inner join ranked
        on stg.source_file = ranked.source_file
        and stg.source_line = ranked.source_line
        and stg.ingested_at = ranked.ingested_at
        and stg.doc_id = ranked.doc_id
    where ranked.recency_rank = 1 or ranked.text_recency_rank = 1

),

latest as (

    select * from chosen where recency_rank = 1

),

latest_text as (

    select doc_id, text, text_chars, text_sha256
    from chosen
    where text_recency_rank = 1

),

final as (

    select
        latest.doc_id,
        latest.case_number,
        latest.case_year,
        latest.case_province_abbr,
        latest.court_code,
        latest.case_type_code,
        latest.case_sequence,
        latest.case_number_style,
        latest.case_number_error,
        latest.title,
        latest.court_name,
        latest.case_type,
        latest.procedure,
        latest.cause,
        latest.document_type,
        latest.judgment_date,
        latest.publish_date,
        latest.parties_count,
        latest.party_roles_json,
        latest.judges_count,
        latest.parties_json,
        latest.legal_basis_json,
        latest_text.text,
        latest_text.text_chars,
        latest_text.text_sha256,
        latest.flags,
        latest.recovered_fields,
        latest.source_format,
        latest.source_file,
        latest.source_line,
        latest.source_sha256,
        cast(capture_stats.capture_count as integer) as capture_count,
        capture_stats.first_seen_at,
        capture_stats.last_seen_at

    from latest
    inner join latest_text on latest.doc_id = latest_text.doc_id
    inner join capture_stats on latest.doc_id = capture_stats.doc_id

)

select * from final
