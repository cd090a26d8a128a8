{#-
  dbt's own get_where_subquery, plus one placeholder: a test whose `where` config holds
  __new_raw_partitions__ reads only the rows of the raw partitions this build adds (every row
  in a full build, none when the build adds no partition of that raw table). The raw table is
  the tested staging view's, stg_raw__<table> (models/staging/raw/). Partitions are immutable
  and named by a hash of the parser version and their landing file's bytes, so a row that
  passed once need not be read again. The one rule that spans partitions, unique
  (source_sha256, source_line), still holds: a new partition with an old partition's landing
  file would have its name. A new rule across partitions (another unique key, a row count)
  would need every partition, and must not use this placeholder.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__new_raw_partitions__' in where -%}
        {%- set prefix = 'stg_raw__' -%}
        {%- if not relation.identifier.startswith(prefix) -%}
            {{ exceptions.raise_compiler_error("__new_raw_partitions__ filters a raw staging view (" ~ prefix ~ "<table>), not " ~ relation) }}
        {%- endif -%}
        {%- set raw_table = relation.identifier[prefix | length:] -%}
        {%- set where = where | replace('__new_raw_partitions__', from_new_partitions(new_partitions(raw_table))) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
