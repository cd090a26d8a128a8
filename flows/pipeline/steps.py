"""The pipeline's steps as plain functions over a :class:`RunContext` (no Prefect here).

Flows wrap these in tasks; tests and the CLI can call them directly. Each returns a small,
JSON-ready summary that ends up in the run report.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from flows import layout
from flows.errors import SourceError
from flows.pipeline.context import RunContext
from flows.storage import cached_copy

log = logging.getLogger(__name__)

RAW_SUITES = ["raw_judgments"]


def raw_glob(context: RunContext, table: str = "judgments") -> str:
    """A local glob over every raw partition of ``table`` (downloaded first if the work area is S3)."""
    return str(_local_raw(context, _raw_keys(context, table))[0].parent / "*.parquet")


def _raw_keys(context: RunContext, table: str) -> list[str]:
    keys = [key for key in context.work.list(layout.raw_prefix(table)) if key.endswith(".parquet")]
    if not keys:
        raise SourceError(f"the raw layer in {context.work_url} has no {table} yet: run `wenshu ingest` first")
    return keys


def _local_raw(context: RunContext, keys: list[str]) -> list[Path]:
    cache = context.scratch_dir / "cache" / hashlib.sha256(context.work_url.encode()).hexdigest()[:16]
    return [cached_copy(context.work, key, cache) for key in keys]


def list_landing(context: RunContext) -> list[str]:
    from flows.ingest import landing_files

    keys = landing_files(context.landing)
    if not keys:
        raise SourceError(f"no landing files under {context.landing_url}/scraper or /monitor (.jsonl, .json, .jsonl.gz)")
    return keys


def ingest_one(context: RunContext, key: str) -> dict[str, Any]:
    from flows.ingest import ingest_file

    return ingest_file(context.landing, key, context.work, context.scratch_dir).to_dict()


def ingest_curation(context: RunContext) -> dict[str, Any]:
    """Researchers' CSV/XLSX files under ``<landing>/curation/<dataset>/``, checked against their codebooks."""
    from flows.curation import ingest_curation as ingest

    return ingest(context.landing, context.work, context.scratch_dir).to_dict()


def transform(context: RunContext) -> dict[str, Any]:
    """dbt build: incremental over the raw partitions the warehouse has not seen, or full (see ``plan_build``)."""
    from flows.pipeline.fingerprint import plan_build, record_build
    from flows.transform import Increment, build

    try:
        observations: str | None = raw_glob(context, "observations")
    except SourceError:  # no monitor data yet: availability is built from the judgments alone
        observations = None
    judgments = raw_glob(context)
    if context.work_url.startswith("s3://"):  # local work areas are read in place by the staging models
        from flows.curation import raw_curation_dir

        raw_curation_dir(context.work, Path(judgments).parent.parent.parent)
    plan = plan_build(context)
    increment = None
    if plan.new is not None:
        new = {table: tuple(str(path) for path in _local_raw(context, keys)) for table, keys in plan.new.items()}
        increment = Increment(judgments=new["judgments"], observations=new["observations"])
    log.info("dbt build: %s (%s)", "full" if plan.full else "incremental", plan.reason)
    record_build(context, plan, done=False)
    result = build(judgments, context.warehouse, raw_observations_glob=observations, increment=increment)
    record_build(context, plan, done=True)
    summary = {
        "build": plan.summary(),
        "seconds": result.seconds,
        "nodes": result.summary,
        "rows": result.row_counts,
        "manifest": str(result.manifest_path),
    }
    from flows.curation import match_rates

    summary["curation_match"] = match_rates(context.warehouse)
    return summary


def manifest_path(context: RunContext) -> Path:
    return context.warehouse.parent / f"{context.warehouse.stem}.dbt" / "target" / "manifest.json"


def publish(context: RunContext, dataset: str) -> dict[str, Any]:
    """Export the dataset's marts from the warehouse (carrying a table's last export over where it
    can: ``flows.publish.carry``) and publish them as the next version."""
    import json
    import shutil

    from flows.charts.render import render_charts
    from flows.privacy import check_dataset_redaction, check_files
    from flows.publish import carry, pointers
    from flows.publish.datasets import load_dataset
    from flows.publish.history import chart_package_files
    from flows.publish.publisher import publish_dataset
    from flows.tableschema import model_description, table_schema

    spec = load_dataset(dataset)
    check_dataset_redaction(dataset)  # a sensitive codebook field without redaction blocks the dataset
    manifest_file = manifest_path(context)
    if not manifest_file.is_file() or not context.warehouse.is_file():
        raise SourceError(f"no built warehouse at {context.warehouse}: run `wenshu build` first")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    out = context.scratch_dir / "export" / context.run_id / dataset
    shutil.rmtree(out, ignore_errors=True)
    cache = context.scratch_dir / "cache"
    newest = pointers.newest_published(pointers.read_json(context.store, layout.versions_index(dataset)) or {"versions": []})
    published_files = _published_files(context, dataset, newest)
    files, schemas, descriptions, carriable, carrying = [], {}, {}, {}, []
    for resource in spec.resources:
        schema = table_schema(manifest, resource.model)
        schemas[resource.name] = schema
        descriptions[resource.name] = model_description(manifest, resource.model)
        order = list(schema.get("primaryKey") or [schema["fields"][0]["name"]])
        if carry.carriable(list(resource.formats), order):
            carriable[resource.name] = list(resource.formats)
            published_hash = ((newest or {}).get("tables", {}).get(resource.name) or {}).get("content_hash")
            pinned = carry.pin_cached(cache / "exports", dataset, resource.name, out / "pinned")  # checked, then read
            last = carry.last_export(pinned, dataset, resource.name, published_hash, resource.formats)
            if last is not None:
                csv_hash = published_files.get(layout.resource_path(resource.name, "csv"))  # none without a CSV
                last_csv = carry.last_csv_export(pinned, dataset, resource.name, csv_hash)
                signatures = carry.last_signatures(pinned, dataset, resource.name)
                carrying.append((resource, order, last, last_csv, signatures))  # after the full exports, beside their gate
                continue
        files += _export(context, resource, order, out)
    full_exports = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="carry") as pool:
        # a carry is mostly one core's work (a merge that compresses, then DuckDB writing a CSV):
        # meanwhile the other files pass the gate on the other (the full exports, the memory-hungry
        # part, are done before the carries start, and the carries that fall back after them)
        carried = [(resource, order, pool.submit(carry.export_carried, context.warehouse, resource.model, resource.name,
                    list(resource.formats), order, out, content_hashes=resource.content_hashes, last=last,
                    redacted_by_model=resource.redacted_by_model, last_csv=last_csv, signatures=signatures))
                   for resource, order, last, last_csv, signatures in carrying]  # fmt: skip
        rendered = render_charts(context.warehouse, out / "charts", spec.charts)
        # the privacy gate: nothing identifying leaves, or nothing does (charts' data included); of a
        # carried-over export, only its new rows: the others passed this gate when they were published
        check_files([file.path for file in files] + [path for chart in rendered for path in (chart.image, chart.data)])
        for resource, order, future in carried:
            done = _carried(future, resource.name)
            if done is None:
                full_exports.append((resource, order))
                continue
            check_files([file.scan or file.path for file in done])
            files += done
    for resource, order in full_exports:
        exported = _export(context, resource, order, out)
        check_files([file.path for file in exported])
        files += exported
    position = {resource.name: index for index, resource in enumerate(spec.resources)}
    files.sort(key=lambda file: position[file.resource])  # the dataset's order, whichever was exported first
    charts = chart_package_files(rendered)
    result = publish_dataset(context.store, spec, files, schemas, descriptions, context.run_id, charts)
    by_format = {(file.resource, file.fmt): file for file in files}
    for file in files:  # the next export of these carries this one over
        if file.resource in carriable and file.fmt == "parquet":
            csv, signatures = by_format.get((file.resource, "csv")), carry.new_signatures(out, file.resource)
            carry.remember_export(cache / "exports", dataset, file, carriable[file.resource], csv=csv,
                                  signatures=signatures if signatures.is_file() else None)  # fmt: skip
    shutil.rmtree(out, ignore_errors=True)
    return result.to_dict() | {"carried_over": sorted({file.resource for file in files if file.scan})}


def _published_files(context: RunContext, dataset: str, newest: dict[str, Any] | None) -> dict[str, str]:
    """Package path → ``sha256:…`` of each file of the newest published version, from its
    datapackage.json as ``versions.json`` vouches for it (none if it does not: nothing is trusted)."""
    from flows.errors import IntegrityError
    from flows.publish.consume import load_descriptor

    if not newest:
        return {}
    try:
        descriptor = load_descriptor(context.store, dataset, newest)
    except IntegrityError as error:
        log.warning("%s; its cached CSVs are not carried over", error)
        return {}
    return {entry["path"]: entry["hash"] for entry in descriptor["resources"] if "path" in entry and "hash" in entry}


def _carried(future: Any, resource: str) -> list[Any] | None:
    """A carry's files, or None where the resource needs a full export: the carry said so, or its
    DuckDB or Arrow work failed (a full export has none of its steps, and reports its own errors)."""
    import duckdb
    import pyarrow as pa

    try:
        return future.result()  # type: ignore[no-any-return]
    except (duckdb.Error, pa.ArrowException) as error:
        log.warning("carry %s failed (%s: %s); exporting in full", resource, type(error).__name__, error)
        return None


def _export(context: RunContext, resource: Any, order: list[str], out: Path) -> list[Any]:
    """A resource's full export (see ``flows.publish.export``), and its rows' signatures where the
    next export can carry it over (see ``flows.publish.carry``)."""
    from flows.publish import carry
    from flows.publish.export import export_table

    signatures = None
    if carry.carriable(list(resource.formats), order):
        signer = carry.RowSignatures(resource.model, resource.name, order[0], tuple(resource.content_hashes or {}),
                                     tuple(resource.redacted_by_model))  # fmt: skip
        signatures = partial(signer.save, out_dir=out)
    return export_table(context.warehouse, resource.model, resource.name, list(resource.formats), order, out,
                        content_hashes=resource.content_hashes, redacted_by_model=resource.redacted_by_model,
                        also=signatures)  # fmt: skip


def _validate(context: RunContext, target: Any, suites: list[str], name: str) -> dict[str, Any]:
    """Run ``suites``; keep the full result in the work area; raise ValidationFailed on a critical failure."""
    import orjson

    from flows.validate import validate_tables

    report = validate_tables(target, suites)
    result = report.to_dict()
    context.work.put(
        layout.validation_result(context.run_id, name), orjson.dumps(result, option=orjson.OPT_INDENT_2, default=str)
    )
    report.raise_for_failures()
    return result


def validate_raw(context: RunContext, everything: bool = False) -> dict[str, Any]:
    """The raw gate over the judgments partitions the last successful run did not already pass.

    Every raw expectation is about a row or a source file, and a partition is one source file's
    rows, so partitions that passed once never need checking again. ``everything`` checks all.
    """
    from flows.pipeline.fingerprint import last_success

    keys = _raw_keys(context, "judgments")
    passed = set() if everything else set(last_success(context).get("raw", []))
    new = [key for key in keys if key not in passed]
    if not new:
        log.info("raw gate: all %d judgments partitions passed in an earlier run", len(keys))
        return {"passed": True, "skipped": f"all {len(keys)} partitions passed in an earlier run", "partitions": 0}
    result = _validate(context, {"raw_judgments": [str(p) for p in _local_raw(context, new)]}, RAW_SUITES, "raw")
    return {**result, "partitions": len(new)}


def validate_marts(context: RunContext, suites: list[str] | None = None) -> dict[str, Any]:
    if not context.warehouse.is_file():
        raise SourceError(f"no built warehouse at {context.warehouse}: run `wenshu build` first")
    return _validate(context, context.warehouse, suites or mart_suites(), "marts")


def mart_suites() -> list[str]:
    """Every suite a published resource names in its dataset's ``datapackage.yaml``."""
    from flows.publish.datasets import dataset_names, load_dataset

    return sorted({r.suite for name in dataset_names() for r in load_dataset(name).resources if r.suite})
