with

source as (

    select * from {{ ref('ref_courts') }}

),

renamed as (

    select
        cast(court_id as varchar) as court_id,
        trim(court_name) as court_name,
        court_level,
        province_name,
        province_abbr,
        nullif(city_name, '') as city_name,
        nullif(division_code, '') as division_code,
        -- '' (high courts) is loaded as null, like an unknown code
        nullif(court_code, '') as court_code,
        nullif(parent_court_id, '') as parent_court_id

    from source

)

select * from renamed
