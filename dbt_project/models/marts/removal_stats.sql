{#-
  Removals by the month they were first seen (removed_at); failed checks never count.
  Unknown dimensions (documents the archive does not hold) are grouped as 未知.
-#}

with

events as (

    select * from {{ ref('removal_events') }}

),

final as (

    select
        cast(date_trunc('month', removed_at) as date) as removal_month,
        coalesce(court_province, '未知') as court_province,
        coalesce(court_level, '未知') as court_level,
        coalesce(case_type, '未知') as case_type,
        coalesce(cause, '未知') as cause,
        cast(count(*) as integer) as removals,
        cast(count(distinct doc_id) as integer) as documents_removed,
        cast(count(*) filter (where not is_ongoing) as integer) as removals_reappeared

    from events
    group by all

)

select * from final
