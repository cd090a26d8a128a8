{#- Unknown dimensions are grouped as 未知 so every row has a complete key. -#}

with

judgments as (

    select * from {{ ref('judgments') }}

),

availability as (

    select * from {{ ref('availability') }}

),

final as (

    select
        cast(date_trunc('month', judgments.publish_date) as date) as publish_month,
        coalesce(judgments.court_province, '未知') as court_province,
        coalesce(judgments.court_level, '未知') as court_level,
        coalesce(judgments.case_type, '未知') as case_type,
        coalesce(judgments.cause, '未知') as cause,
        cast(count(*) as integer) as documents_published,
        cast(count(*) filter (where availability.check_count > 0) as integer) as documents_checked,
        cast(count(*) filter (where availability.is_removed_upstream) as integer) as documents_removed_upstream,
        cast(count(*) filter (where availability.removal_count > 0) as integer) as documents_ever_removed

    from judgments
    inner join availability on judgments.doc_id = availability.doc_id
    where judgments.publish_date is not null
    group by all

)

select * from final
