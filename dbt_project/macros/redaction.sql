{#-
  The SQL ``expression`` as it will be published: names after protected roles (victims,
  minors, witnesses) replaced by surname + 某某, exactly as the export redacts every text column
  (flows.privacy.redact). A mart that publishes a text next to its hash or length redacts the
  text itself, so both describe the published text: a hash of the stored text would let anyone
  who guesses a victim's name confirm it. The curated staging models redact their sensitive
  fields with it too (flows.curation.generate writes the calls).

  flows.transform passes the redaction, made by flows.privacy from its one pattern, in the
  environment variable WENSHU_DBT_REDACTION_SQL, with __WENSHU_REDACTED_VALUE__ where the
  expression goes. Changing the pattern changes the code fingerprint, so the next build is full.
-#}
{% macro redacted(expression) -%}
    {%- set template = env_var('WENSHU_DBT_REDACTION_SQL', '') -%}
    {%- if execute and '__WENSHU_REDACTED_VALUE__' not in template -%}
        {{ exceptions.raise_compiler_error(
            "WENSHU_DBT_REDACTION_SQL is not set: build through flows.transform (wenshu run), which sets it"
        ) }}
    {%- endif -%}
    {{ template | replace('__WENSHU_REDACTED_VALUE__', '(' ~ expression ~ ')') }}
{%- endmacro %}
