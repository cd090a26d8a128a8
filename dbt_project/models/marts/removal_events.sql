with

episodes as (

    select * from {{ ref('int_observations__removal_episodes') }}

),

judgments as (

    select * from {{ ref('judgments') }}

),

final as (

    select
        episodes.doc_id,
        episodes.removal_number,
        episodes.removed_at,
        episodes.removed_status,
        episodes.last_available_before_at,
        episodes.last_checked_removed_at,
        episodes.reappeared_at,
        episodes.is_ongoing,
        episodes.days_removed,
        episodes.reason_code,
        episodes.reason_text,
        judgments.doc_id is not null as is_archived,
        judgments.court_province,
        judgments.court_level,
        judgments.case_type,
        judgments.cause

    from episodes
    left join judgments on episodes.doc_id = judgments.doc_id

)

select * from final
