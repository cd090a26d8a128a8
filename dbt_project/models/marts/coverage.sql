{#-
  案号 carry a sequence number that restarts at 1 every year for each court and case type, so
  within one 案号 series (the 案号 without its number, e.g. （2016）皖1622刑初) the highest number
  seen bounds how many cases the court registered; numbers below it that no held document
  carries were never published (or not captured). Several documents can share one 案号
  (a judgment and a ruling): sequence numbers are counted once. Cases filed after the highest
  number seen are invisible, so missing_sequences is a lower bound.
-#}

with

judgments as (

    select * from {{ ref('judgments') }}

),

numbered as (

    select
        regexp_replace(case_number, '[0-9]+号$', '') as case_series,
        *
    from judgments
    where case_sequence > 0 and case_year is not null and regexp_matches(case_number, '[0-9]+号$')

),

-- the court most of a series' documents resolve to; ties go to the smallest court_id, so the
-- same input always gives the same table (mode() breaks ties arbitrarily: a rebuild of
-- unchanged data would publish a spurious PATCH version)
series_court as (

    select case_series, court_id
    from (
        select case_series, court_id, count(*) as documents
        from numbered
        where court_id is not null
        group by all
    )
    qualify row_number() over (partition by case_series order by documents desc, court_id) = 1

),

series as (

    select
        case_series,
        min(case_year) as case_year,
        min(case_type_code) as case_type_code,
        min(case_number_style) as case_number_style,
        min(case_province_abbr) as case_province_abbr,
        min(court_code) as court_code,
        max(case_sequence) as max_sequence,
        count(distinct case_sequence) as sequences_held,
        count(*) as documents_held
    from numbered
    group by case_series

),

series_with_court as (

    select series.*, series_court.court_id
    from series
    left join series_court on series.case_series = series_court.case_series

),

courts as (

    select * from {{ ref('courts') }}

),

final as (

    select
        series.case_series,
        cast(series.case_year as integer) as case_year,
        series.case_type_code,
        series.case_number_style,
        series.case_province_abbr,
        series.court_code,
        series.court_id,
        courts.court_name,
        courts.court_level,
        courts.province_name as court_province,
        cast(series.max_sequence as bigint) as max_sequence,
        cast(series.sequences_held as bigint) as sequences_held,
        cast(series.documents_held as bigint) as documents_held,
        cast(series.max_sequence - series.sequences_held as bigint) as missing_sequences,
        round((series.max_sequence - series.sequences_held) / series.max_sequence, 4) as missing_share

    from series_with_court as series
    left join courts on series.court_id = courts.court_id

)

select * from final
