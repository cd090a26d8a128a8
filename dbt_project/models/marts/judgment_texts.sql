{#-
  Each document's text, read from the raw capture int_judgments__merged names for it (the
  latest one with a text): the key list is the join's build side, the raw captures with their
  texts stream past it. The text is redacted here (macros/redaction.sql), so that text_sha256,
  and the judgments' text_sha256 and text_chars, which follow this table, describe the published
  text: a hash of the unredacted one would confirm a guessed victim's name.
  Incremental builds read only the new partitions: a document whose text capture is among them
  gets its row replaced (delete+insert on doc_id); any other keeps the text it has, since a
  text capture, once the latest, stays the latest until a newer one arrives, and a text never
  goes away.
-#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='doc_id',
    on_schema_change='fail',
) }}

{%- set incremental = is_incremental() %}

with

judgments as (

    select doc_id, text_source_file, text_source_line, text_ingested_at
    from {{ ref('int_judgments__merged') }}
    where text_sha256 is not null
    {% if incremental %}
        and doc_id in ({{ new_documents('judgments') }})
    {% endif %}

),

captures as (

    select doc_id, source_file, source_line, ingested_at, text_sha256, text
    from {{ ref('stg_raw__judgments') }}
    {% if incremental %}
    where {{ from_new_partitions(new_partitions('judgments')) }}
    {% endif %}

),

chosen as (

    select
        captures.doc_id,
        captures.text_sha256 as stored_sha256,
        captures.text as stored_text,
        {{ redacted('captures.text') }} as text

    from captures
    inner join judgments
        on captures.doc_id = judgments.doc_id
        and captures.source_file = judgments.text_source_file
        and captures.source_line = judgments.text_source_line
        and captures.ingested_at = judgments.text_ingested_at

),

final as (

    select
        doc_id,
        -- the stored text's hash (checked at ingest by the raw gate) wherever redaction changed nothing
        if(text = stored_text, stored_sha256, sha256(text)) as text_sha256,
        text

    from chosen

)

select * from final
