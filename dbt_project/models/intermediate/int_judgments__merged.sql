{#-
  One row per document from all its captures. Fields come from the latest capture; the text
  (with its length and hash) from the latest capture that has one, so a later metadata-only
  capture (e.g. a list record) never erases a text captured before.
  Captures without captured_at are dated by ingested_at.
  The captures are ranked on their keys alone and the chosen rows fetched back by key in one
  streaming scan: a window over whole rows would sort every capture's text, and any join or CTE
  that holds the texts on its build side would keep them all in memory; neither fits DuckDB's
  memory limit at a million documents. Only the rare text that comes from an older capture than
  the metadata is held, to be joined back.
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
        doc_id,
        source_file,
        source_line,
        ingested_at,
        row_number() over (
            partition by doc_id
            order by seen_at desc, ingested_at desc, source_file desc, source_line desc
        ) = 1 as is_latest,
        row_number() over (
            partition by doc_id
            order by text_missing, seen_at desc, ingested_at desc, source_file desc, source_line desc
        ) = 1 as is_latest_text,
        count(*) over (partition by doc_id) as capture_count,
        min(seen_at) over (partition by doc_id) as first_seen_at,
        max(seen_at) over (partition by doc_id) as last_seen_at
    from captures
    qualify is_latest or is_latest_text

),

-- a capture is one line of one landing file as ingested at one time (a file re-ingested by a
-- newer parser, or replaced under the same name, is another capture); the small key list is the
-- join's build side, the captures with their texts stream past it
chosen as not materialized (

    select stg.*, ranked.is_latest, ranked.is_latest_text, ranked.capture_count, ranked.first_seen_at, ranked.last_seen_at
    from {{ ref('stg_raw__judgments') }} as stg
    inner join ranked
        on stg.source_file = ranked.source_file
        and stg.source_line = ranked.source_line
        and stg.ingested_at = ranked.ingested_at
        and stg.doc_id = ranked.doc_id

),

older_text as (

    select doc_id, text, text_chars, text_sha256
    from chosen
    where is_latest_text and not is_latest

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
        if(latest.is_latest_text, latest.text, older_text.text) as text,
        if(latest.is_latest_text, latest.text_chars, older_text.text_chars) as text_chars,
        if(latest.is_latest_text, latest.text_sha256, older_text.text_sha256) as text_sha256,
        latest.flags,
        latest.recovered_fields,
        latest.source_format,
        latest.source_file,
        latest.source_line,
        latest.source_sha256,
        cast(latest.capture_count as integer) as capture_count,
        latest.first_seen_at,
        latest.last_seen_at

    from chosen as latest
    left join older_text on latest.doc_id = older_text.doc_id
    where latest.is_latest

)

select * from final
