with

courts as (

    select * from {{ ref('stg_reference__courts') }}

),

final as (

    select
        court_id,
        court_name,
        court_level,
        province_name,
        province_abbr,
        city_name,
        division_code,
        court_code,
        parent_court_id

    from courts

)

select * from final
