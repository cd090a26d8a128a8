-- Generated from datapackages/trafficking-cases/codebook.yaml by scripts/generate_curation.py: do not edit.
-- Trafficking of women — coded criminal judgments: the latest coded row per case_id, joined to judgments by 案号.

with

coded as (

    select * from {{ ref('stg_curation__trafficking_cases') }}

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
    qualify row_number() over (partition by case_id order by ingested_at desc, source_file desc, source_row desc) = 1

),

final as (

    select
        curated.case_id,
        curated.case_number,
        curated.judgment_year,
        curated.sentencing_court_level,
        curated.origin_province,
        curated.destination_province,
        curated.victims_count,
        curated.victim_disability,
        curated.is_abducted_by_stranger,
        curated.price_cny,
        curated.times_trafficked,
        curated.years_before_rescue,
        curated.sentence_months,
        curated.facts_excerpt,
        judgments.doc_id,
        judgments.court_name,
        judgments.judgment_date,
        judgments.cause,
        judgments.doc_id is not null as has_judgment
    from curated
    left join judgments on replace(replace(replace(curated.case_number, '(', '（'), ')', '）'), ' ', '') = judgments.case_number_key

)

select * from final
