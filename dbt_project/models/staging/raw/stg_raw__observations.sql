{#-
  The raw layer's monitor observations: one Parquet file per landing file, all with
  flows.records.OBSERVATION_SCHEMA. Without a glob (no monitor data yet) the view is empty but
  typed, so the availability marts still build.
-#}
{%- set raw_glob = (var('raw_observations_glob', '') or '') | replace("'", "''") -%}

with

source as (

    {% if raw_glob %}
    select * from read_parquet('{{ raw_glob }}', union_by_name = true, filename = true)
    {% else %}
    select
        null::varchar as doc_id,
        null::timestamptz as checked_at,
        null::varchar as status,
        null::integer as http_status,
        null::varchar as reason,
        null::varchar as source_file,
        null::bigint as source_line,
        null::varchar as source_sha256,
        null::timestamptz as ingested_at,
        null::varchar as filename
    where false
    {% endif %}

),

renamed as (

    select
        cast(doc_id as varchar) as doc_id,
        cast(checked_at as timestamptz) as checked_at,
        cast(status as varchar) as status,
        cast(http_status as integer) as http_status,
        nullif(trim(reason), '') as reason,

        -- provenance
        cast(source_file as varchar) as source_file,
        cast(source_line as bigint) as source_line,
        cast(source_sha256 as varchar) as source_sha256,
        cast(ingested_at as timestamptz) as ingested_at,
        -- the raw partition: a filter on it reads only the files named (incremental builds)
        filename as raw_file

    from source

)

select * from renamed
