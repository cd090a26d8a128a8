-- Generated from datapackages/rights-defender-detentions/codebook.yaml by scripts/generate_curation.py: do not edit.
-- Detained human-rights defenders — publicly reported cases: the latest coded row per record_id, joined to judgments by 案号.

with

coded as (

    select * from {{ ref('stg_curation__rights_defender_detentions') }}

),

judgments as (

    select
        replace(replace(replace(case_number, '(', '（'), ')', '）'), ' ', '') as case_number_key,
        doc_id,
        court_name,
        judgment_date,
        cause
    from {{ ref('judgments') }}
    where case_number is not null
        and case_number_key in (select replace(replace(replace(case_number, '(', '（'), ')', '）'), ' ', '') from coded)
    qualify row_number() over (partition by case_number_key order by doc_id) = 1

),

curated as (

    select * from coded
    qualify row_number() over (partition by record_id order by ingested_at desc, source_file desc, source_row desc) = 1

),

final as (

    select
        curated.record_id,
        curated.defender_name,
        curated.charge,
        curated.case_number,
        curated.province,
        curated.detention_date,
        curated.sentencing_date,
        curated.sentence_months,
        curated.status,
        curated.source_url,
        curated.reported_date,
        judgments.doc_id,
        judgments.court_name,
        judgments.judgment_date,
        judgments.cause,
        judgments.doc_id is not null as has_judgment
    from curated
    left join judgments on replace(replace(replace(curated.case_number, '(', '（'), ')', '）'), ' ', '') = judgments.case_number_key

)

select * from final
