{#- The raw layer: one Parquet file per landing file, all with flows.records.JUDGMENT_SCHEMA. -#}
{%- set raw_glob = var('raw_judgments_glob') | replace("'", "''") -%}

with

source as (

    select * from read_parquet('{{ raw_glob }}', union_by_name = true, filename = true)

),

renamed as (

    select
        -- ids
        cast(doc_id as varchar) as doc_id,

        -- 案号 and its decoded parts ('' means "absent" in the raw layer)
        nullif(trim(case_number), '') as case_number,
        cast(case_year as integer) as case_year,
        nullif(case_province_abbr, '') as case_province_abbr,
        nullif(court_code, '') as court_code,
        nullif(case_type_code, '') as case_type_code,
        cast(case_sequence as bigint) as case_sequence,
        nullif(case_number_style, '') as case_number_style,
        nullif(case_number_error, '') as case_number_error,

        -- document metadata
        nullif(trim(title), '') as title,
        nullif(trim(court_name), '') as court_name,
        nullif(case_type, '') as case_type,
        nullif(procedure, '') as procedure,
        nullif(trim(cause), '') as cause,
        nullif(document_type, '') as document_type,
        cast(judgment_date as date) as judgment_date,
        cast(publish_date as date) as publish_date,
        cast(parties_count as integer) as parties_count,
        cast(party_roles_json as varchar) as party_roles_json,
        cast(judges_count as integer) as judges_count,
        parties_json,
        legal_basis_json,

        -- full text (already cleaned of HTML at ingest)
        cast(text as varchar) as text,
        cast(text_chars as integer) as text_chars,
        text_sha256,
        cast(flags as varchar[]) as flags,
        cast(recovered_fields as varchar[]) as recovered_fields,

        -- provenance
        source_format,
        source_file,
        cast(source_line as bigint) as source_line,
        source_sha256,
        cast(captured_at as timestamptz) as captured_at,
        cast(ingested_at as timestamptz) as ingested_at,
        -- the raw partition: a filter on it reads only the files named (incremental builds)
        filename as raw_file

    from source

)

select * from renamed
