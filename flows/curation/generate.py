"""Derive everything a curated dataset needs from its codebook: one source, no hand-kept copies.

For each codebook this renders the dbt staging model (typed, sensitive variables redacted or
dropped), the dbt mart (latest row per key, joined to ``judgments`` by 案号) with its contract
yml and the Great Expectations suite (from :mod:`flows.curation.checks`). The files are committed
(``scripts/generate_curation.py`` writes them) and a test fails when they drift from the codebooks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from flows.curation.checks import gx_suite, header, suite_name
from flows.curation.codebook import Codebook, Variable
from flows.resources import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT

STAGING_DIR = DBT_PROJECT_DIR / "models" / "staging" / "curation"
MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts" / "curation"
# Columns the mart adds from the matched judgment: name, DuckDB type, description.
JUDGMENT_COLUMNS = (
    ("doc_id", "varchar", "CJO document id of the judgment with this 案号 in the archive (the lowest, if several)."),
    ("court_name", "varchar", "Court of the matched judgment."),
    ("judgment_date", "date", "Date of the matched judgment."),
    ("cause", "varchar", "Cause of action (案由) of the matched judgment."),
    ("has_judgment", "boolean", "Whether a judgment with this 案号 is in the archive."),
)
_PROVENANCE = (
    ("source_file", "varchar", "Landing file the row came from."),
    ("source_row", "bigint", "Row number in that file (the header is row 1)."),
    ("source_sha256", "varchar", "SHA-256 of that file."),
    ("ingested_at", "timestamptz", "When the row was ingested."),
)


def generated_files(codebook: Codebook) -> dict[Path, str]:
    """Every generated file of ``codebook``: absolute path → exact content."""
    stg = codebook.staging_model
    return {
        STAGING_DIR / f"{stg}.sql": staging_sql(codebook),
        STAGING_DIR / f"{stg}.yml": _yaml(codebook, {"models": [staging_yml(codebook)]}),
        MARTS_DIR / f"{codebook.table}.sql": mart_sql(codebook),
        MARTS_DIR / f"{codebook.table}.yml": _yaml(codebook, {"models": [mart_yml(codebook)]}),
        EXPECTATIONS_DIR / f"{suite_name(codebook)}.json": json.dumps(gx_suite(codebook), ensure_ascii=False, indent=2) + "\n",
    }


def _yaml(codebook: Codebook, content: dict[str, Any]) -> str:
    return f"# {header(codebook)}\n" + yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=100)


def staging_sql(codebook: Codebook) -> str:
    nulls = ",\n        ".join(
        [f"cast(null as {v.duckdb_type}) as {v.name}" for v in codebook.variables]
        + [f"cast(null as {kind}) as {name}" for name, kind, _ in _PROVENANCE]
    )
    columns = []
    for variable in codebook.variables:
        if not variable.published:
            columns.append(f"-- {variable.name}: sensitive, never published (redaction: drop)")
        elif variable.redaction == "names":
            columns.append(f"-- {variable.name}: sensitive, names after victim/witness roles redacted")
            columns.append(f"{{{{ redacted('\"{variable.name}\"') }}}} as {variable.name},")  # macros/redaction.sql
        else:
            columns.append(f"cast({variable.name} as {variable.duckdb_type}) as {variable.name},")
    columns += [f"cast({name} as {kind}) as {name}," for name, kind, _ in _PROVENANCE]
    columns[-1] = columns[-1].rstrip(",")
    body = "\n        ".join(columns)
    return f"""{{#- {header(codebook)} -#}}
{{#- The raw layer of {codebook.name}: flows.curation.ingest writes one Parquet file per landing file. -#}}
{{%- set raw_dir = var('raw_curation_dir', (var('raw_judgments_glob') | replace('\\\\', '/')).rsplit('/', 2)[0] ~ '/curation') -%}}
{{%- set raw_glob = (raw_dir ~ '/{codebook.name}/*.parquet') | replace("'", "''") -%}}
{{%- set found = [0] -%}}
{{%- if execute -%}}
{{%- do found.append(run_query("select count(*) from glob('" ~ raw_glob ~ "')").columns[0].values()[0]) -%}}
{{%- endif %}}

with

source as (
{{% if found | max > 0 %}}
    select * from read_parquet('{{{{ raw_glob }}}}', union_by_name = true)
{{% else %}}
    select
        {nulls}
    where false
{{% endif %}}
),

renamed as (

    select
        {body}

    from source

)

select * from renamed
"""


def staging_yml(codebook: Codebook) -> dict[str, Any]:
    columns = [{"name": v.name, "description": v.description} for v in codebook.published_variables]
    columns += [{"name": name, "description": text} for name, _, text in _PROVENANCE]
    return {
        "name": codebook.staging_model,
        "description": f"{codebook.title}: rows as coded, typed, sensitive variables redacted; one row per accepted landing row.",
        "columns": columns,
    }


def mart_sql(codebook: Codebook) -> str:
    own = ",\n        ".join(f"curated.{v.name}" for v in codebook.published_variables)
    number = codebook.case_number
    joined = ",\n        ".join(
        ["judgments.doc_id", "judgments.court_name", "judgments.judgment_date", "judgments.cause",
         "judgments.doc_id is not null as has_judgment"]
    )  # fmt: skip
    join = f"left join judgments on {_normalised(f'curated.{number}')} = judgments.case_number_key" if number else ""
    # only the 案号 the coded rows name: the window then sorts a few thousand judgments, not all
    named = f"case_number_key in (select {_normalised(number)} from coded)" if number else "false"
    if not number:
        joined = "cast(null as varchar) as doc_id, cast(null as varchar) as court_name, cast(null as date) as judgment_date, "
        joined += "cast(null as varchar) as cause, false as has_judgment"
    return f"""-- {header(codebook)}
-- {codebook.title}: the latest coded row per {codebook.key}, joined to judgments by 案号.

with

coded as (

    select * from {{{{ ref('{codebook.staging_model}') }}}}

),

judgments as (

    select
        {_normalised("case_number")} as case_number_key,
        doc_id,
        court_name,
        judgment_date,
        cause
    from {{{{ ref('judgments') }}}}
    where case_number is not null
        and {named}
    qualify row_number() over (partition by case_number_key order by doc_id) = 1

),

curated as (

    select * from coded
    qualify row_number() over (partition by {codebook.key} order by ingested_at desc, source_file desc, source_row desc) = 1

),

final as (

    select
        {own},
        {joined}
    from curated
    {join}

)

select * from final
"""


def _normalised(expression: str) -> str:
    """案号 compared with ASCII brackets made full-width and spaces removed."""
    return f"replace(replace(replace({expression}, '(', '（'), ')', '）'), ' ', '')"


def mart_yml(codebook: Codebook) -> dict[str, Any]:
    columns = [_mart_column(codebook, v) for v in codebook.published_variables]
    columns += [{"name": name, "description": text, "data_type": kind} for name, kind, text in JUDGMENT_COLUMNS]
    return {
        "name": codebook.table,
        "description": f"{codebook.description} Grain: {codebook.grain}.",
        "config": {"contract": {"enforced": True}},
        "columns": columns,
    }


def _mart_column(codebook: Codebook, variable: Variable) -> dict[str, Any]:
    description = variable.description + (f" Unit: {variable.unit}." if variable.unit else "")
    column: dict[str, Any] = {"name": variable.name, "description": description, "data_type": variable.duckdb_type}
    tests: list[Any] = []
    if variable.name == codebook.key:
        column["constraints"] = [{"type": "primary_key"}]
        tests += ["unique", "not_null"]
    elif variable.required:
        tests.append("not_null")
    if variable.enum is not None:
        tests.append({"accepted_values": {"arguments": {"values": variable.enum}}})
    if tests:
        column["data_tests"] = tests
    return column


def drifted(codebooks: list[Codebook]) -> list[str]:
    """Generated files that differ from what the codebooks give (relative paths)."""
    stale = []
    for codebook in codebooks:
        for path, content in generated_files(codebook).items():
            if not path.is_file() or path.read_text(encoding="utf-8") != content:
                stale.append(str(path.relative_to(PROJECT_ROOT)))
    return stale
