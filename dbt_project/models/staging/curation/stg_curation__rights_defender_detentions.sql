{#- Generated from datapackages/rights-defender-detentions/codebook.yaml by scripts/generate_curation.py: do not edit. -#}
{#- The raw layer of rights-defender-detentions: flows.curation.ingest writes one Parquet file per landing file. -#}
{%- set raw_dir = var('raw_curation_dir', (var('raw_judgments_glob') | replace('\\', '/')).rsplit('/', 2)[0] ~ '/curation') -%}
{%- set raw_glob = (raw_dir ~ '/rights-defender-detentions/*.parquet') | replace("'", "''") -%}
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
        cast(null as varchar) as record_id,
        cast(null as varchar) as defender_name,
        cast(null as varchar) as charge,
        cast(null as varchar) as case_number,
        cast(null as varchar) as province,
        cast(null as date) as detention_date,
        cast(null as date) as sentencing_date,
        cast(null as integer) as sentence_months,
        cast(null as varchar) as status,
        cast(null as varchar) as source_url,
        cast(null as date) as reported_date,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_row,
        cast(null as varchar) as source_sha256,
        cast(null as timestamptz) as ingested_at
    where false
{% endif %}
),

renamed as (

    select
        cast(record_id as varchar) as record_id,
        cast(defender_name as varchar) as defender_name,
        cast(charge as varchar) as charge,
        cast(case_number as varchar) as case_number,
        cast(province as varchar) as province,
        cast(detention_date as date) as detention_date,
        cast(sentencing_date as date) as sentencing_date,
        cast(sentence_months as integer) as sentence_months,
        cast(status as varchar) as status,
        cast(source_url as varchar) as source_url,
        cast(reported_date as date) as reported_date,
        cast(source_file as varchar) as source_file,
        cast(source_row as bigint) as source_row,
        cast(source_sha256 as varchar) as source_sha256,
        cast(ingested_at as timestamptz) as ingested_at

    from source

)

select * from renamed
