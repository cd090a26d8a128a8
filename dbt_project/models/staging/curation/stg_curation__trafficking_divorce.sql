{#- Generated from datapackages/trafficking-divorce/codebook.yaml by scripts/generate_curation.py: do not edit. -#}
{#- The raw layer of trafficking-divorce: flows.curation.ingest writes one Parquet file per landing file. -#}
{%- set raw_dir = var('raw_curation_dir', (var('raw_judgments_glob') | replace('\\', '/')).rsplit('/', 2)[0] ~ '/curation') -%}
{%- set raw_glob = (raw_dir ~ '/trafficking-divorce/*.parquet') | replace("'", "''") -%}
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
        cast(null as varchar) as court_province,
        cast(null as boolean) as is_trafficking_recognised,
        cast(null as boolean) as is_divorce_granted,
        cast(null as integer) as suits_count,
        cast(null as double) as years_married,
        cast(null as varchar) as statement_excerpt,
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
        cast(court_province as varchar) as court_province,
        cast(is_trafficking_recognised as boolean) as is_trafficking_recognised,
        cast(is_divorce_granted as boolean) as is_divorce_granted,
        cast(suits_count as integer) as suits_count,
        cast(years_married as double) as years_married,
        -- statement_excerpt: sensitive, names after victim/witness roles redacted
        {{ redacted('"statement_excerpt"') }} as statement_excerpt,
        cast(source_file as varchar) as source_file,
        cast(source_row as bigint) as source_row,
        cast(source_sha256 as varchar) as source_sha256,
        cast(ingested_at as timestamptz) as ingested_at

    from source

)

select * from renamed
