{#- Generated from datapackages/trafficking-cases/codebook.yaml by scripts/generate_curation.py: do not edit. -#}
{#- The raw layer of trafficking-cases: flows.curation.ingest writes one Parquet file per landing file. -#}
{%- set raw_dir = var('raw_curation_dir', (var('raw_judgments_glob') | replace('\\', '/')).rsplit('/', 2)[0] ~ '/curation') -%}
{%- set raw_glob = (raw_dir ~ '/trafficking-cases/*.parquet') | replace("'", "''") -%}
{%- set found = [0] -%}
{%- if execute -%}
{%- do found.append(run_query("select count(*) from glob('" ~ raw_glob ~ "')").columns[0].values()[0]) -%}
{%- endif %}

with

source as (
{% if found | max > 0 %}
    select * from read_parquet('{{ raw_glob }}', union_by_name = true)
{% else %}
    select
        cast(null as varchar) as case_id,
        cast(null as varchar) as case_number,
        cast(null as integer) as judgment_year,
        cast(null as varchar) as sentencing_court_level,
        cast(null as varchar) as origin_province,
        cast(null as varchar) as destination_province,
        cast(null as integer) as victims_count,
        cast(null as varchar) as victim_disability,
        cast(null as boolean) as is_abducted_by_stranger,
        cast(null as integer) as price_cny,
        cast(null as integer) as times_trafficked,
        cast(null as double) as years_before_rescue,
        cast(null as integer) as sentence_months,
        cast(null as varchar) as facts_excerpt,
        cast(null as varchar) as victim_name,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as source_sha256,
        cast(null as timestamptz) as ingested_at
    where false
{% endif %}
),

renamed as (

    select
        cast(case_id as varchar) as case_id,
        cast(case_number as varchar) as case_number,
        cast(judgment_year as integer) as judgment_year,
        cast(sentencing_court_level as varchar) as sentencing_court_level,
        cast(origin_province as varchar) as origin_province,
        cast(destination_province as varchar) as destination_province,
        cast(victims_count as integer) as victims_count,
        cast(victim_disability as varchar) as victim_disability,
        cast(is_abducted_by_stranger as boolean) as is_abducted_by_stranger,
        cast(price_cny as integer) as price_cny,
        cast(times_trafficked as integer) as times_trafficked,
        cast(years_before_rescue as double) as years_before_rescue,
        cast(sentence_months as integer) as sentence_months,
        -- facts_excerpt: sensitive, names after victim/witness roles redacted
        {{ redacted('"facts_excerpt"') }} as facts_excerpt,
        -- victim_name: sensitive, never published (redaction: drop)
        cast(source_file as varchar) as source_file,
        cast(source_row as bigint) as source_row,
        cast(source_sha256 as varchar) as source_sha256,
        cast(ingested_at as timestamptz) as ingested_at

    from source

)

select * from renamed
