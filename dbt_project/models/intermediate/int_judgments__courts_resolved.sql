{#-
  Attach a court from the reference to each document:
  1. by exact court name, also in its qualified forms (安徽省 + 蒙城县人民法院,
     安徽省 + 合肥市 + 蜀山区人民法院), since documents often name courts that way;
  2. else by the 案号: (province abbreviation, court code); for a 2016-style 案号 without a
     court code, the province's high court (or the Supreme People's Court for 最高法).
  A name or key that matches several reference courts resolves nothing.
  Only a 2016-style 案号 names a province: a legacy one starts with any court abbreviation.
-#}

with

judgments as (

    select * from {{ ref('int_judgments__merged') }}

),

courts as (

    select * from {{ ref('stg_reference__courts') }}

),

provinces as (

    select * from {{ ref('stg_reference__provinces') }}

),

court_name_forms as (

    select court_id, court_name as name_form from courts
    union all
    select court_id, province_name || court_name
    from courts
    where not starts_with(court_name, province_name)
    union all
    select court_id, province_name || city_name || court_name
    from courts
    where not starts_with(court_name, province_name) and not starts_with(court_name, city_name)

),

courts_by_name as (

    select name_form, min(court_id) as court_id
    from court_name_forms
    where name_form is not null
    group by name_form
    having count(distinct court_id) = 1

),

courts_by_case_number_key as (

    select
        case court_level
            when '最高' then '最高法'
            else province_abbr
        end as key_province_abbr,
        case
            when court_level in ('最高', '高级') then ''
            else court_code
        end as key_court_code,
        min(court_id) as court_id

    from courts
    where court_code is not null or court_level in ('最高', '高级')
    group by all
    having count(*) = 1

),

judgments_keyed as (

    select
        *,
        case
            when case_number_style = '2016' then coalesce(court_code, '')
        end as key_court_code
    from judgments

),

resolved as (

    select
        judgments_keyed.*,
        coalesce(by_name.court_id, by_case_number.court_id) as resolved_court_id,
        case
            when by_name.court_id is not null then 'court_name'
            when by_case_number.court_id is not null then 'case_number'
        end as court_resolved_by

    from judgments_keyed
    left join courts_by_name as by_name
        on judgments_keyed.court_name = by_name.name_form
    left join courts_by_case_number_key as by_case_number
        on judgments_keyed.case_province_abbr = by_case_number.key_province_abbr
        and judgments_keyed.key_court_code = by_case_number.key_court_code

),

final as (

    select
        resolved.* exclude (key_court_code, resolved_court_id, court_name),
        courts.court_id,
        coalesce(courts.court_name, resolved.court_name) as court_name,
        courts.court_level,
        coalesce(courts.province_name, provinces.province_name) as court_province,
        courts.city_name as court_city

    from resolved
    left join courts on resolved.resolved_court_id = courts.court_id
    left join provinces
        on resolved.case_province_abbr = provinces.province_abbr
        and resolved.case_number_style = '2016'

)

select * from final
