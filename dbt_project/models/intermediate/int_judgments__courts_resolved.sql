{#-
  Each document with its court resolved against the reference (macros/resolve_courts.sql, which
  the judgments mart also calls on just the documents an incremental build replaces).
-#}

{{ resolve_courts(ref('int_judgments__merged')) }}
