"""Row-level deltas between two versions of a table, computed in DuckDB (streamed, no pandas).

A delta file has one row per primary key that was ``added``, ``changed`` or ``removed``: the
``change``, the key columns, and ``changed_columns`` (the non-key columns whose value differs,
comma-separated — a string, not a list, so that Frictionless validators can read it — and empty
for added and removed rows). A table with an upstream flag (a boolean column that is true
while the source no longer serves the row, such as ``availability.is_removed_upstream``) labels
a changed row whose flag turned true ``removed upstream`` and one whose flag turned false
``reappeared upstream``: the row is still here, what changed is the source. Columns present in only one version are not compared: the
changelog reports them as schema changes. Rows come out in key order with fixed Parquet
settings, so the same two inputs always give the same bytes (a resumed publish rewrites nothing).

A long column whose table also holds a hash of it (``content_hashes`` in the resource's
``datapackage.yaml``, e.g. ``text: text_sha256``) is compared through that hash, so the long
values are never read. A stored hash stands for the published value only while stored values
are published the same way (texts pass the redaction on export; ``judgment_texts`` holds texts
already redacted by the same SQL, and hashes of those, so the export leaves them as they are),
so the hash is used only if both exports carry the same redaction fingerprint; otherwise the
column is compared through an md5 of its published values, still without carrying them
through the join.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.checksums import sha256_file
from flows.duck import connect
from flows.publish.export import EXPORT_SESSION, REDACTION_KEY

log = logging.getLogger(__name__)

CHANGES = ("added", "changed", "removed", "removed upstream", "reappeared upstream")
UPSTREAM_CHANGES = ("removed upstream", "reappeared upstream")  # kinds of "changed" (the key stays)
_PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000"


@dataclass(frozen=True)
class Delta:
    table: str
    path: Path  # local Parquet file
    keys: list[str]
    counts: dict[str, int]  # added / changed / removed (and the upstream kinds if flagged) → rows
    bytes: int
    sha256: str
    upstream_flag: str | None = None  # the column whose flips are labelled, when the table has one

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def changed(self) -> int:
        """Rows whose key stayed and whose values changed, upstream removals and reappearances included."""
        return self.counts["changed"] + sum(self.counts.get(c, 0) for c in UPSTREAM_CHANGES)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def delta_query(
    old: str,
    new: str,
    keys: list[str],
    compared: list[str],
    upstream_flag: str | None = None,
    compare_via: dict[str, str] | None = None,
) -> str:
    """SQL for the delta of ``new`` against ``old`` (Parquet paths or URLs), keyed by ``keys``.

    ``compare_via`` maps a compared column to the SQL expression it is compared by (its hash).
    Only the key and compared columns are read.
    """
    via = compare_via or {}
    columns = ", ".join([*(_ident(k) for k in keys), *(f"{via.get(c, _ident(c))} as {_ident(c)}" for c in compared)])
    key_list = ", ".join(_ident(k) for k in keys)
    joined_keys = ", ".join(f"coalesce(n.{_ident(k)}, o.{_ident(k)}) as {_ident(k)}" for k in keys)
    join = " and ".join(f"n.{_ident(k)} = o.{_ident(k)}" for k in keys)
    differs = [f"n.{_ident(c)} is distinct from o.{_ident(c)}" for c in compared]
    names = ", ".join(f"case when {test} then {_literal(c)} end" for c, test in zip(compared, differs, strict=True))
    changed_columns = f"array_to_string(list_filter([{names}], x -> x is not null), ',')" if compared else "''"
    upstream = ""
    if upstream_flag:
        was, now = f"coalesce(o.{_ident(upstream_flag)}, false)", f"coalesce(n.{_ident(upstream_flag)}, false)"
        upstream = f"when {now} and not {was} then 'removed upstream' when {was} and not {now} then 'reappeared upstream'"
    return f"""
        with old as (select {columns} from read_parquet({_literal(old)})),
        new as (select {columns} from read_parquet({_literal(new)})),
        paired as (
            select {joined_keys},
                   case when o.{_ident(keys[0])} is null then 'added'
                        when n.{_ident(keys[0])} is null then 'removed'
                        {upstream}
                        else 'changed' end as change,
                   case when o.{_ident(keys[0])} is null or n.{_ident(keys[0])} is null then ''
                        else {changed_columns} end as changed_columns
            from new n full outer join old o on {join}
        )
        select change, {key_list}, changed_columns from paired
        where change in ('added', 'removed') or changed_columns <> ''
        order by {key_list}, change
    """


def parquet_columns(con: Any, uri: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe select * from read_parquet({_literal(uri)})").fetchall()]


def redaction_of(con: Any, uri: str) -> str | None:
    """The redaction fingerprint an export wrote into the file's metadata (None if it has none)."""
    found = con.execute(
        f"select decode(value) from parquet_kv_metadata({_literal(uri)}) where decode(key) = {_literal(REDACTION_KEY)}"
    ).fetchone()
    return str(found[0]) if found else None


def compute_delta(
    table: str,
    old: str,
    new: Path,
    keys: list[str],
    out: Path,
    *,
    upstream_flag: str | None = None,
    content_hashes: dict[str, str] | None = None,
    s3: bool = False,
) -> Delta | None:
    """Write the delta of ``new`` against ``old`` to ``out``; None when the key columns differ.

    ``upstream_flag`` is ignored unless both versions have that column; ``content_hashes``
    (column → the column holding its hash) is used where both versions have both columns.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    with connect(s3=s3) as con:
        con.execute(EXPORT_SESSION)  # the query orders explicitly, and reads timestamps in UTC as exports write them
        old_columns, new_columns = parquet_columns(con, old), parquet_columns(con, str(new))
        if not keys or any(k not in old_columns or k not in new_columns for k in keys):
            log.info("no delta for table=%s: primary key %s not in both versions", table, keys)
            return None
        compared = [c for c in new_columns if c in old_columns and c not in keys]
        flag = upstream_flag if upstream_flag in compared else None
        hashed = {c: h for c, h in (content_hashes or {}).items() if c in compared and h in compared}
        fingerprints = {redaction_of(con, old), redaction_of(con, str(new))} if hashed else set()
        same_export = len(fingerprints) == 1 and None not in fingerprints
        via = {c: _ident(h) if same_export else f"md5({_ident(c)})" for c, h in hashed.items()}
        if hashed:
            log.info("delta table=%s compares %s by %s", table, ", ".join(hashed), "stored hash" if same_export else "md5")
        query = delta_query(old, str(new), keys, compared, flag, via)
        con.execute(f"copy ({query}) to {_literal(str(out))} ({_PARQUET_OPTIONS})")
        found = dict(con.execute(f"select change, count(*) from read_parquet({_literal(str(out))}) group by 1").fetchall())
    counts = {change: int(found.get(change, 0)) for change in CHANGES if flag or change not in UPSTREAM_CHANGES}
    log.info("delta table=%s %s", table, " ".join(f"{k}={v}" for k, v in counts.items()))
    return Delta(table, out, keys, counts, out.stat().st_size, sha256_file(out), flag)


def delta_schema(table_schema: dict[str, Any], keys: list[str], upstream: bool = False) -> dict[str, Any]:
    """The Frictionless Table Schema of a delta file, key fields taken from the table's schema."""
    changes = list(CHANGES) if upstream else [c for c in CHANGES if c not in UPSTREAM_CHANGES]
    upstream_note = (
        " 'removed upstream' / 'reappeared upstream': the source stopped / resumed serving it (the row stays)."
        if upstream
        else ""
    )
    by_name = {f["name"]: f for f in table_schema["fields"]}
    key_fields = [{k: v for k, v in by_name[k].items() if k in ("name", "type", "format", "description")} for k in keys]
    return {
        "$schema": table_schema.get("$schema", "https://datapackage.org/profiles/2.0/tableschema.json"),
        "fields": [
            {
                "name": "change",
                "type": "string",
                "description": "What happened to the row since the previous version." + upstream_note,
                "constraints": {"required": True, "enum": changes},
            },
            *key_fields,
            {
                "name": "changed_columns",
                "type": "string",
                "description": "For changed rows, the columns whose value differs, comma-separated; empty otherwise.",
            },
        ],
        "primaryKey": keys,
    }
