{#-
  Incremental builds recompute documents, never rows: a model built incrementally replaces every
  row of each document that the new raw partitions mention (and of any other document whose
  rows depend on one, e.g. a shared text), recomputed from all the document's raw rows, old and
  new, and leaves every other document's rows as they are. Replacing the same documents twice
  gives the same table, so a failed build is simply run again.

  flows.transform passes the new partitions' files per raw table in the environment variable
  WENSHU_DBT_NEW_RAW_PARTITIONS (JSON: {"judgments": [...], "observations": [...]}, absolute
  paths as read_parquet's filename reports them), read only while models run: as a var it
  would change dbt's configuration, and every build would parse the project from scratch.
  Without it every partition counts as new. A full build (--full-refresh) ignores it.
-#}

{#- The files of the new partitions of raw table ``raw_table`` (judgments, observations); none: all are new. -#}
{% macro new_partitions(raw_table) -%}
    {%- set increment = env_var('WENSHU_DBT_NEW_RAW_PARTITIONS', '') -%}
    {{ return(fromjson(increment)[raw_table] if increment else none) }}
{%- endmacro %}

{#- SQL condition: the staging row (its raw_file) comes from one of the new partitions ``files``. -#}
{% macro from_new_partitions(files, column='raw_file') -%}
    {%- if files is none -%}
        true
    {%- elif files | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for file in files %}'{{ file | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}


{#-
  SQL query: the doc_id of every row the new partitions of raw table ``raw_table`` (judgments,
  observations) hold, read from its staging view, which every incremental model has upstream.
-#}
{% macro new_documents(raw_table) -%}
    {%- set staging = this.incorporate(path={'identifier': 'stg_raw__' ~ raw_table}) -%}
    select doc_id from {{ staging }} where {{ from_new_partitions(new_partitions(raw_table)) }}
{%- endmacro %}


{#-
  The incremental strategy 'replace_documents': delete every row of the documents the new
  partitions of the raw tables in model config ``documents_from`` (judgments, observations)
  mention, and of the documents the model's new rows are about, then insert those rows.
  Unlike delete+insert on a unique key it also clears a document that no longer has any row.
-#}
{% macro get_incremental_replace_documents_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where doc_id in (
        select doc_id from {{ arg_dict['temp_relation'] }}
        {% for raw_table in config.require('documents_from') -%}
        union all
        {{ new_documents(raw_table) }}
        {% endfor %}
    );

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
