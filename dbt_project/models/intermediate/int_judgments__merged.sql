{#-
  One row per document from all its captures. Fields come from the latest capture; the text's
  length and hash from the latest capture that has a text, so a later metadata-only capture
  (e.g. a list record) never erases a text captured before. The text itself stays in the raw
  layer: text_source_file, text_source_line and text_ingested_at name the capture that holds
  it, and judgment_texts fetches it from there, so no text is ever written or read here.
  Captures without captured_at are dated by ingested_at.
  The captures are ranked on their keys alone and the chosen rows fetched back by key: a window
  over whole rows would sort them all. Whether a capture has a text is read from its hash (the
  raw gate holds text and hash null together), so ranking never reads a text either.

  Incremental builds (macros/incremental_documents.sql) rank every capture of the documents the
  new partitions mention, old and new, and fetch each winning capture where it is: a new one
  from the new partitions, an older one from this table, which already holds it for the
  document (the winner among the older captures is the one this table's row was built from).
-#}

{{ config(
    materialized='incremental',
    incremental_strategy='replace_documents',
    documents_from=['judgments'],
    on_schema_change='fail',
) }}

{%- set incremental = is_incremental() -%}
{#- the fields taken from the latest capture, in the order of the table (text_chars and text_sha256 between them) -#}
{%- set document_fields = [
    'case_number', 'case_year', 'case_province_abbr', 'court_code', 'case_type_code', 'case_sequence',
    'case_number_style', 'case_number_error', 'title', 'court_name', 'case_type', 'procedure', 'cause',
    'document_type', 'judgment_date', 'publish_date', 'parties_count', 'party_roles_json', 'judges_count',
    'parties_json', 'legal_basis_json',
] -%}
{%- set capture_fields = ['flags', 'recovered_fields', 'source_format', 'source_file', 'source_line', 'source_sha256'] -%}
{%- set fields = document_fields + capture_fields -%}

with

{% if incremental %}
-- the documents the new partitions mention: only theirs are recomputed
documents as (

    {{ new_documents('judgments') }}

),
{% endif %}

captures as (

    select
        doc_id,
        source_file,
        source_line,
        ingested_at,
        coalesce(captured_at, ingested_at) as seen_at,
        text_sha256 is null as text_missing,
        -- from a partition this build adds (every partition, in a full build)
        {{ from_new_partitions(new_partitions('judgments')) if incremental else 'true' }} as is_new
    from {{ ref('stg_raw__judgments') }}
    {% if incremental %}
    where doc_id in (select doc_id from documents)
    {% endif %}

),

ranked as (

    select
        doc_id,
        source_file,
        source_line,
        ingested_at,
        is_new,
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
-- newer parser, or replaced under the same name, is another capture); computed for each of its
-- two readers rather than held in memory
chosen as not materialized (

    select
        stg.doc_id,
        {% for field in fields %}stg.{{ field }},
        {% endfor -%}
        stg.text_chars,
        stg.text_sha256,
        stg.source_file as text_source_file,
        stg.source_line as text_source_line,
        stg.ingested_at as text_ingested_at,
        ranked.is_latest,
        ranked.is_latest_text,
        ranked.capture_count,
        ranked.first_seen_at,
        ranked.last_seen_at
    from {{ ref('stg_raw__judgments') }} as stg
    inner join ranked
        on stg.source_file = ranked.source_file
        and stg.source_line = ranked.source_line
        and stg.ingested_at = ranked.ingested_at
        and stg.doc_id = ranked.doc_id
    {% if incremental %}
    where {{ from_new_partitions(new_partitions('judgments'), 'stg.raw_file') }} and ranked.is_new

    union all

    -- a winner from an older partition: the row this table holds for the document stands in
    -- for it (for the fields, the text, or both)
    select
        held.doc_id,
        {% for field in fields %}held.{{ field }},
        {% endfor -%}
        held.text_chars,
        held.text_sha256,
        held.text_source_file,
        held.text_source_line,
        held.text_ingested_at,
        old_winners.is_latest,
        old_winners.is_latest_text,
        old_winners.capture_count,
        old_winners.first_seen_at,
        old_winners.last_seen_at
    from {{ this }} as held
    inner join (
        select
            doc_id,
            bool_or(is_latest) as is_latest,
            bool_or(is_latest_text) as is_latest_text,
            any_value(capture_count) as capture_count,
            any_value(first_seen_at) as first_seen_at,
            any_value(last_seen_at) as last_seen_at
        from ranked
        where not is_new
        group by doc_id
    ) as old_winners
        on held.doc_id = old_winners.doc_id
    {% endif %}

),

text_captures as (

    select doc_id, text_chars, text_sha256, text_source_file, text_source_line, text_ingested_at
    from chosen
    where is_latest_text

),

final as (

    select
        latest.doc_id,
        {% for field in document_fields %}latest.{{ field }},
        {% endfor -%}
        text_captures.text_chars,
        text_captures.text_sha256,
        {% for field in capture_fields %}latest.{{ field }},
        {% endfor -%}
        cast(latest.capture_count as integer) as capture_count,
        latest.first_seen_at,
        latest.last_seen_at,
        -- the capture holding the text (null without one): judgment_texts reads it from there
        if(text_captures.text_sha256 is null, null, text_captures.text_source_file) as text_source_file,
        if(text_captures.text_sha256 is null, null, text_captures.text_source_line) as text_source_line,
        if(text_captures.text_sha256 is null, null, text_captures.text_ingested_at) as text_ingested_at

    from chosen as latest
    inner join text_captures on latest.doc_id = text_captures.doc_id
    where latest.is_latest

)

select * from final
