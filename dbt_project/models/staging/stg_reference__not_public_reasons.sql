with

source as (

    select * from {{ ref('ref_not_public_reasons') }}

),

renamed as (

    select
        cast(reason_code as varchar) as reason_code,
        reason_text

    from source

)

select * from renamed
