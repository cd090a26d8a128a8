with

source as (

    select * from {{ ref('ref_case_types') }}

),

renamed as (

    select
        case_type_code,
        cast(standard_code as varchar) as standard_code,
        standard_name,
        nullif(case_type, '') as case_type,
        nullif(procedure, '') as procedure

    from source

)

select * from renamed
