with

judgments as (

    select * from {{ ref('int_judgments__courts_resolved') }}

),

case_types as (

    select * from {{ ref('stg_reference__case_types') }}

),

final as (

    select
        judgments.doc_id,
        judgments.case_number,
        judgments.case_year,
        judgments.case_province_abbr,
        judgments.court_code,
        judgments.court_province,
        judgments.case_type_code,
        judgments.case_sequence,
        judgments.case_number_style,
        judgments.title,
        coalesce(judgments.case_type, case_types.case_type) as case_type,
        coalesce(judgments.procedure, case_types.procedure) as procedure,
        judgments.court_id,
        judgments.court_name,
        judgments.court_level,
        judgments.court_city,
        judgments.court_resolved_by,
        judgments.cause,
        judgments.document_type,
        judgments.judgment_date,
        judgments.publish_date,
        judgments.parties_count,
        judgments.party_roles_json as party_role_counts,
        judgments.judges_count,
        cast(json_array_length(judgments.legal_basis_json) as integer) as legal_basis_count,
        judgments.text_chars,
        judgments.text_sha256,
        case
            when judgments.text_sha256 is not null
                and judgments.doc_id <> first_value(judgments.doc_id) over same_text
                then first_value(judgments.doc_id) over same_text
        end as text_duplicate_of,
        judgments.source_format,
        judgments.capture_count,
        judgments.first_seen_at,
        judgments.last_seen_at

    from judgments
    left join case_types
        on judgments.case_type_code = case_types.case_type_code
    window same_text as (
        partition by judgments.text_sha256
        order by judgments.first_seen_at, judgments.doc_id
        rows between unbounded preceding and unbounded following
    )

)

select * from final
