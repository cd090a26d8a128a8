with

source as (

    select * from {{ ref('ref_provinces') }}

),

renamed as (

    select
        province_abbr,
        province_name,
        province_short,
        cast(division_code as varchar) as division_code

    from source

)

select * from renamed
