{#-
  The rows of ``judgments`` (a relation, or a parenthesised query, with int_judgments__merged's
  columns), each with a court attached from the reference:
  1. by exact court name, also in its qualified forms (安徽省 + 蒙城县人民法院,
     安徽省 + 合肥市 + 蜀山区人民法院), since documents often name courts that way;
  2. else by the 案号: (province abbreviation, court code); for a 2016-style 案号 without a
     court code, the province's high court (or the Supreme People's Court for 最高法);
  3. else by the name of a basic court renamed with its county (县 → 市/区, 市 → 区, e.g.
     章丘市人民法院 → 济南市章丘区人民法院): the same place name in the same province with any
     of 县/市/区/旗, optionally prefixed by province (full or short name) and city.
  A name or key that matches several reference courts resolves nothing.
  Only a 2016-style 案号 names a province: a legacy one starts with any court abbreviation.
-#}
{% macro resolve_courts(judgments) %}
    with

    judgments as (

        select * from {{ judgments }}

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
        union all
        -- 最高人民法院 for 中华人民共和国最高人民法院
        select court_id, replace(court_name, '中华人民共和国', '')
        from courts
        where starts_with(court_name, '中华人民共和国')

    ),

    basic_court_places as (

        -- 龙岩市永定区人民法院 → (福建省, 龙岩市, 永定)
        select
            courts.court_id,
            courts.province_name,
            provinces.province_short,
            courts.city_name,
            regexp_extract(
                regexp_replace(
                    regexp_replace(courts.court_name, '^' || courts.province_name, ''),
                    '^' || coalesce(courts.city_name, ''), ''
                ),
                '^(.{2,12}?)[县市区旗]人民法院$', 1
            ) as place
        from courts
        left join provinces on courts.province_name = provinces.province_name
        where courts.court_level = '基层'

    ),

    renamed_court_forms as (

        select court_id, prefix || place || suffix || '人民法院' as name_form
        from basic_court_places
        cross join (values ('县'), ('市'), ('区'), ('旗')) as suffixes (suffix)
        cross join lateral (
            select unnest([
                '', province_name, province_short, coalesce(city_name, ''),
                province_name || coalesce(city_name, ''), province_short || coalesce(city_name, '')
            ]) as prefix
        ) as prefixes
        where place <> ''

    ),

    courts_by_renamed_name as (

        select name_form, min(court_id) as court_id
        from (select distinct court_id, name_form from renamed_court_forms)
        group by name_form
        having count(*) = 1

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
            coalesce(by_name.court_id, by_case_number.court_id, by_renamed.court_id) as resolved_court_id,
            case
                when by_name.court_id is not null then 'court_name'
                when by_case_number.court_id is not null then 'case_number'
                when by_renamed.court_id is not null then 'renamed_court_name'
            end as court_resolved_by

        from judgments_keyed
        left join courts_by_name as by_name
            on judgments_keyed.court_name = by_name.name_form
        left join courts_by_case_number_key as by_case_number
            on judgments_keyed.case_province_abbr = by_case_number.key_province_abbr
            and judgments_keyed.key_court_code = by_case_number.key_court_code
        left join courts_by_renamed_name as by_renamed
            on judgments_keyed.court_name = by_renamed.name_form

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
        -- an equi-join (a condition on the document alone, beside the key, made it a nested-loop join)
        left join provinces
            on provinces.province_abbr = if(resolved.case_number_style = '2016', resolved.case_province_abbr, null)

    )

    select * from final
{% endmacro %}
