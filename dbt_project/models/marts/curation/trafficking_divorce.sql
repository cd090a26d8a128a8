-- Generated from datapackages/trafficking-divorce/codebook.yaml by scripts/generate_curation.py: do not edit.
-- Divorce suits by trafficked women — coded civil judgments: the latest coded row per case_id, joined to judgments by 案号.

with

coded as (

    select * from {{ ref('stg_curation__trafficking_divorce') }}

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
        curated.court_province,
        curated.is_trafficking_recognised,
        curated.is_divorce_granted,
        curated.suits_count,
        curated.years_married,
        curated.statement_excerpt,
        judgments.doc_id,
        judgments.court_name,
        judgments.judgment_date,
        judgments.cause,
        judgments.doc_id is not null as has_judgment
    from curated
    left join judgments on replace(replace(replace(curated.case_number, '(', '（'), ')', '）'), ' ', '') = judgments.case_number_key

)

select * from final
