{#-
  text_sha256 and text_chars describe the text as published, so they come from judgment_texts,
  which redacts it (the length from the stored text where redaction changed nothing: see the
  texts CTE); text_duplicate_of compares those hashes too (two texts that differ only in a
  redacted name publish the same bytes). Which document a text duplicates is found on keys
  alone (a window over whole rows would sort every row with it) and joined back.
  Incremental builds (macros/incremental_documents.sql) recompute the documents the new
  partitions mention and every document sharing a text with one of them, before or now: those
  are all the rows whose text_duplicate_of can change.
-#}

{{ config(
    materialized='incremental',
    incremental_strategy='replace_documents',
    documents_from=['judgments'],
    on_schema_change='fail',
) }}

{%- set incremental = is_incremental() %}
-- the view's rows, resolved here by its macro (see the judgments CTE)
-- depends_on: {{ ref('int_judgments__courts_resolved') }}

with

{% if incremental %}
touched as (

    {{ new_documents('judgments') }}

),

touched_texts as (

    select text_sha256 from {{ ref('judgment_texts') }} where doc_id in (select doc_id from touched)
    union
    select text_sha256 from {{ this }} where doc_id in (select doc_id from touched) and text_sha256 is not null

),

documents as (

    select doc_id from touched
    union
    select doc_id from {{ ref('judgment_texts') }} where text_sha256 in (select text_sha256 from touched_texts)

),
{% endif %}

judgments as (

    -- int_judgments__courts_resolved's resolution (macros/resolve_courts.sql) of the merged rows;
    -- incremental: of these documents only (DuckDB, filtering the view, would resolve every
    -- document's court first: 0.3 s at 300k documents, for 3,300 of them)
    {{ resolve_courts('(select * from ' ~ ref('int_judgments__merged')
                      ~ (' where doc_id in (select doc_id from documents)' if incremental else '') ~ ')') }}

),

-- the published text's hash and length (judgment_texts redacts it). Where the hash is the stored
-- text's (redaction changed nothing: nearly every text), so is the length, which the merged row
-- holds (checked against the text by the raw gate, with DuckDB's length): only the texts
-- redaction changed are read to count their characters. (Counting every text read 12 GB at a
-- million judgments; an incremental build, fetching a few thousand texts by row id, still
-- decompressed every storage segment holding one.)
stored_texts as (

    select doc_id, text_sha256, text_chars
    from {{ ref('int_judgments__merged') }}
    where text_sha256 is not null
    {% if incremental %}
        and doc_id in (select doc_id from documents)
    {% endif %}

),

published_texts as (

    select
        judgment_texts.rowid as text_row,
        judgment_texts.doc_id,
        judgment_texts.text_sha256,
        stored_texts.text_chars as stored_chars,
        judgment_texts.text_sha256 <> stored_texts.text_sha256 as redacted

    from {{ ref('judgment_texts') }} as judgment_texts
    inner join stored_texts
        on judgment_texts.doc_id = stored_texts.doc_id

),

texts as (

    select doc_id, text_sha256, stored_chars as text_chars
    from published_texts
    where not redacted

    union all

    select doc_id, text_sha256, cast(length(text) as integer) as text_chars
    from {{ ref('judgment_texts') }}
    where rowid in (select text_row from published_texts where redacted)

),

case_types as (

    select * from {{ ref('stg_reference__case_types') }}

),

-- the first document seen with the same published text, for every later one; incremental: every
-- document of a touched text is among the documents, so each window sees its whole group
duplicates as (

    select
        texts.doc_id,
        first_value(texts.doc_id) over (partition by texts.text_sha256 order by judgments.first_seen_at, texts.doc_id)
            as text_duplicate_of
    from texts
    inner join judgments
        on texts.doc_id = judgments.doc_id
    qualify texts.doc_id <> text_duplicate_of

),

final as (

    select
        judgments.doc_id,
        judgments.case_number,
        judgments.case_year,
        judgments.case_province_abbr,
        judgments.court_code,
        judgments.court_province,
        judgments.case_type_code,
        judgments.case_sequence,
        judgments.case_number_style,
        judgments.title,
        coalesce(judgments.case_type, case_types.case_type) as case_type,
        coalesce(judgments.procedure, case_types.procedure) as procedure,
        judgments.court_id,
        judgments.court_name,
        judgments.court_level,
        judgments.court_city,
        judgments.court_resolved_by,
        judgments.cause,
        judgments.document_type,
        judgments.judgment_date,
        judgments.publish_date,
        judgments.parties_count,
        judgments.party_roles_json as party_role_counts,
        judgments.judges_count,
        cast(json_array_length(judgments.legal_basis_json) as integer) as legal_basis_count,
        texts.text_chars,
        texts.text_sha256,
        duplicates.text_duplicate_of,
        judgments.source_format,
        judgments.capture_count,
        judgments.first_seen_at,
        judgments.last_seen_at

    from judgments
    left join case_types
        on judgments.case_type_code = case_types.case_type_code
    left join texts
        on judgments.doc_id = texts.doc_id
    left join duplicates
        on judgments.doc_id = duplicates.doc_id

)

select * from final
