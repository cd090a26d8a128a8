with

judgments as (

    select * from {{ ref('int_judgments__merged') }}

),

final as (

    select
        doc_id,
        text_sha256,
        text

    from judgments
    where text is not null

)

select * from final
