"""``wenshu``: the command line. Each pipeline step runs as a Prefect flow; consumer commands
(download, verify, datasets, quarantine) talk to storage directly and need no Prefect.

Exit codes: 0 success, 1 a check failed (validation, verification), 2 bad usage or input.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.collector import skip_collection_at_exit
from flows.errors import ValidationFailed, WenshuError
from flows.settings import get_settings

app = typer.Typer(
    help="Wenshu Open Archive: ingest, validate, build and publish verifiable packages of Chinese court judgments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Public store: folder or s3://bucket/prefix (env WENSHU_STORE_URL, default var/store)."),
]
WorkOpt = Annotated[
    str | None,
    typer.Option("--work", help="Private work area: folder or s3://bucket/prefix (env WENSHU_WORK_URL, default var/work)."),
]
LandingOpt = Annotated[
    str | None,
    typer.Option("--landing", help="Landing zone: folder or s3://bucket/prefix (env WENSHU_LANDING_URL, default var/landing)."),
]


def _prepare_prefect(work_url: str | None) -> None:
    """Prefect's home and logging, set before Prefect is imported (it reads them at import)."""
    settings = get_settings()
    work = work_url or settings.work_url
    home = (Path(settings.scratch_dir) if work.startswith("s3://") else Path(work)) / "prefect"
    os.environ.setdefault("PREFECT_HOME", str(home.absolute()))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)  # Prefect makes one level only
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "flows")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def _fail(exc: Exception) -> None:
    code = 1 if isinstance(exc, ValidationFailed) else 2
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(code)


def _in_flow(call: Callable[[], Any]) -> Any:
    """``call()`` (which imports and runs a flow) under a Prefect server: the configured one, or a
    temporary one started while the flows are imported (``flows.pipeline.startup``)."""
    from flows.pipeline.startup import prefect_server

    with prefect_server():
        return call()


@contextmanager
def _exit_when_interrupted() -> Iterator[None]:
    """Ctrl-C (exit 130) or SIGTERM (143) within ends the command at once, as a crash would,
    once the flow's server has Prefect's last logs and the temporary one has stopped: the pool's
    workers are gone (``flows.pipeline.runners``), and the exit handlers left would wait on
    queues nobody reads. Nothing is half-published: every write to a store is atomic, and the
    next run carries on from what is there. Outermost, so that a status spinner has stopped."""
    try:
        yield
    except BaseException as stop:
        from prefect.exceptions import TerminationSignal

        from flows.pipeline.startup import Terminated

        if not isinstance(stop, (KeyboardInterrupt, TerminationSignal)):
            raise
        console.show_cursor(True)
        console.print("[red]interrupted:[/red] stopped; what was published is complete, and the next run finishes the rest")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(143 if isinstance(stop, (Terminated, TerminationSignal)) else 130)


def _run(step: str, work_url: str | None, call: Callable[[], Any]) -> Any:
    _prepare_prefect(work_url)
    started = time.perf_counter()
    with (
        _exit_when_interrupted(),
        console.status(f"{step} (Prefect flow; the first start of a local Prefect server takes ~15 s)…"),
    ):
        try:
            result = _in_flow(call)
        except WenshuError as exc:
            _fail(exc)
    console.print(f"{step}: done in {time.perf_counter() - started:.1f} s")
    return result


def _call_flow(name: str, *args: Any) -> Any:
    """Import ``flows.pipeline.<name>`` (within :func:`_in_flow`, while the server starts) and run its flow ``<name>``."""
    return getattr(importlib.import_module(f"flows.pipeline.{name}"), name)(*args)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    skip_collection_at_exit()


@app.command()
def synth(
    judgments: Annotated[int, typer.Option(help="Number of judgments to generate.", min=1)] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Landing zone folder to write.")] = Path("var/landing"),
    observations: Annotated[bool, typer.Option(help="Also write monitor observations.")] = True,
    curation: Annotated[bool, typer.Option(help="Also write researchers' curated datasets (CSV/XLSX).")] = True,
    canaries: Annotated[
        bool, typer.Option(help="Plant made-up victim names that the privacy gate must keep out of the store.")
    ] = True,
) -> None:
    """Generate a synthetic landing zone: scraper/, monitor/ and curation/ files as real inputs arrive."""
    from flows.synth import generate_landing
    from flows.synth.curation import generate_curation, plant_canaries

    started = time.perf_counter()
    with console.status(f"generating {judgments:,} judgments into {out_dir}…"):
        summary = generate_landing(out_dir, judgments=judgments, seed=seed, observations=observations)
        if canaries:
            plant_canaries(out_dir, seed)
        curated = generate_curation(out_dir, seed) if curation else {}
    seconds = time.perf_counter() - started
    console.print(f"synth: {summary.judgments:,} judgments, {summary.observations:,} observations, {summary.files} files, "
                  f"{summary.bytes / 1e6:.1f} MB in {seconds:.1f} s → {out_dir}")  # fmt: skip
    if curated:
        console.print("curation: " + ", ".join(f"{name} {rows} rows" for name, rows in curated.items()))


@app.command()
def ingest(landing: LandingOpt = None, work: WorkOpt = None) -> None:
    """Read the landing zone into the raw layer; bad records go to quarantine. Counts must reconcile."""
    summary = _run("ingest", work, lambda: _call_flow("ingest_flow", landing, work))
    _print_ingest(summary, summary.get("curation"))
    if not (summary["reconciles"] and summary.get("curation", {}).get("reconciles", True)):
        raise typer.Exit(1)


@app.command()
def validate(
    layer: Annotated[str, typer.Option(help="raw (the landing gate) or marts (before publishing).")] = "marts",
    work: WorkOpt = None,
    package: Annotated[
        Path | None,
        typer.Option(help="A downloaded package (folder or datapackage.json): check every file's sha256, then its expectations."),
    ] = None,
) -> None:
    """Run the Great Expectations suites; exit 1 if a critical expectation fails.

    With --package, check a downloaded package instead (for consumers' CI): sizes and sha256
    of every file, then the dataset's expectations on its Parquet tables.
    """
    if package is not None:
        _validate_package(package)
        return
    if layer not in ("raw", "marts"):
        _fail(WenshuError(f"--layer must be raw or marts, not {layer!r}"))
    _prepare_prefect(work)
    try:
        with _exit_when_interrupted():
            result = _in_flow(lambda: _call_flow("validate_flow", layer, work))
    except ValidationFailed as exc:
        console.print(f"[red]validation failed:[/red] {exc}")
        raise typer.Exit(1) from None
    except WenshuError as exc:
        _fail(exc)
    out.print(f"validation of {layer}: passed ({_count_expectations(result)} expectations)")


@app.command()
def build(work: WorkOpt = None) -> None:
    """Build the marts with dbt (seeds, staging, intermediate, marts, tests)."""
    result = _run("build", work, lambda: _call_flow("transform_flow", work))
    out.print("marts: " + ", ".join(f"{name} {rows:,} rows" for name, rows in result["rows"].items()))


@app.command()
def publish(
    store: StoreOpt = None,
    work: WorkOpt = None,
    dataset: Annotated[list[str] | None, typer.Option(help="Dataset(s) to publish; default all.")] = None,
) -> None:
    """Publish the built marts as the next version of each dataset (nothing if unchanged).

    The warehouse's last build must have finished, its tests included."""
    results = _run("publish", work, lambda: _call_flow("publish_flow", store, work, dataset))
    _print_published(results)


@app.command()
def run(landing: LandingOpt = None, store: StoreOpt = None, work: WorkOpt = None) -> None:
    """The whole pipeline: ingest → validate → build → validate → publish."""
    _prepare_prefect(work)
    started = time.perf_counter()
    with (
        _exit_when_interrupted(),
        console.status("running the pipeline (Prefect flow; the first start of a local Prefect server takes ~15 s)…"),
    ):
        try:
            result = _in_flow(lambda: _call_flow("run_flow", landing, store, work))
        except ValidationFailed as exc:
            console.print(f"[red]validation failed, nothing published:[/red] {exc}")
            raise typer.Exit(1) from None
        except WenshuError as exc:
            _fail(exc)
    _print_ingest(result["ingest"], result.get("curation"))
    _print_published(result["publish"])
    console.print(
        f"pipeline: {result['status']} in {time.perf_counter() - started:.1f} s; report: {result['work']}/{result['report']}"
    )


@app.command()
def demo(
    store: StoreOpt = None,
    judgments: Annotated[int, typer.Option(help="Synthetic judgments to generate.")] = 3000,
) -> None:
    """Generate a synthetic landing zone, run the whole pipeline, publish to the store, show how to look."""
    settings = get_settings()
    landing = settings.landing_url
    if landing.startswith("s3://"):
        _fail(WenshuError("the demo writes its landing zone locally; unset WENSHU_LANDING_URL"))
    if not any(Path(landing).glob("scraper/**/*.jsonl.gz")):
        synth(judgments=judgments, seed=0, out_dir=Path(landing), observations=True, curation=True, canaries=True)
    run(landing=landing, store=store, work=None)
    store_url = store or settings.store_url
    out.print(f"\nLook at it:\n  wenshu datasets --store {store_url}\n  wenshu verify --store {store_url}\n"
              f"  wenshu download cjo-judgments --store {store_url} --to var/downloads\n"
              f"  .venv/bin/python -c \"import duckdb; print(duckdb.sql('select court_province, count(*) n from read_parquet(''{store_url}/cjo-judgments/*/data/judgments.parquet'') group by 1 order by n desc'))\"")  # fmt: skip


@app.command()
def datasets(store: StoreOpt = None) -> None:
    """List the datasets in a store and their versions."""
    from flows.publish.consume import list_datasets
    from flows.storage import open_storage

    found = list_datasets(open_storage(store or get_settings().store_url))
    table = Table("dataset", "version", "status", "change", "published", "rows")
    for name, index in found.items():
        for entry in index["versions"]:
            table.add_row(name, entry["version"], entry["status"], entry.get("change", ""), entry.get("published_at", ""),
                          ", ".join(f"{k} {v:,}" for k, v in entry.get("rows", {}).items()))  # fmt: skip
    out.print(table if found else "no datasets in this store")


@app.command()
def verify(
    ref: Annotated[str | None, typer.Argument(help="DATASET or DATASET@VERSION; default: the whole store.")] = None,
    store: StoreOpt = None,
) -> None:
    """Audit published packages: every file's size and sha256, descriptors, pointers. Exit 1 on any mismatch."""
    from flows.publish.consume import verify_store
    from flows.storage import open_storage

    settings = get_settings()
    try:
        with console.status("verifying…"):
            audit = verify_store(open_storage(store or settings.store_url), Path(settings.scratch_dir) / "verify", ref)
    except WenshuError as exc:
        _fail(exc)
    for problem in audit.problems:
        out.print(f"[red]MISMATCH[/red] {problem}")
    out.print(f"verified {audit.checked_versions} versions, {audit.checked_files} files: "
              + ("all good" if audit.ok else f"{len(audit.problems)} problems"))  # fmt: skip
    if not audit.ok:
        raise typer.Exit(1)


@app.command()
def download(
    ref: Annotated[str, typer.Argument(help="DATASET or DATASET@VERSION.")],
    to: Annotated[Path, typer.Option("--to", help="Folder to download into.")],
    store: StoreOpt = None,
    resource: Annotated[list[str] | None, typer.Option(help="Only these resources (e.g. judgments).")] = None,
) -> None:
    """Download a package, verifying every file's size and sha256 (resumes partial files)."""
    from flows.publish.consume import download as fetch
    from flows.storage import open_storage

    def progress(path: str, size: int, total: int) -> None:
        console.print(f"  {path}: {size:,} bytes, sha256 ok")

    try:
        folder = fetch(open_storage(store or get_settings().store_url), ref, to, resource, progress)
    except WenshuError as exc:
        _fail(exc)
    out.print(f"downloaded and verified: {folder}")


@app.command()
def inspect(
    file: Annotated[
        Path, typer.Argument(help="A landing file: .jsonl, .json or .gz; UTF-8 or GB18030.", exists=True, dir_okay=False)
    ],
    pretty: Annotated[bool, typer.Option(help="Indented JSON instead of one object per line.")] = False,
) -> None:
    """Show how ingest reads FILE, record by record; nothing is written.

    For each record: the detected format, whether it would be accepted, flagged or quarantined
    and why, and every field recovered from the record or its text. The output includes a short
    text excerpt: treat it as private.
    """
    from flows.ingest.inspect import inspect_file

    try:
        for entry in inspect_file(file):
            sys.stdout.write(json.dumps(entry, ensure_ascii=False, indent=2 if pretty else None, default=str) + "\n")
    except WenshuError as exc:
        _fail(exc)


@app.command()
def quarantine(
    work: WorkOpt = None,
    limit: Annotated[int, typer.Option(help="Show at most this many entries.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List quarantined records and unreadable files: file, line, reason, a short excerpt."""
    from flows.pipeline.quarantine import iter_quarantine
    from flows.storage import open_storage

    entries = iter_quarantine(open_storage(work or get_settings().work_url))
    table = Table("file", "line", "reason", "excerpt")
    shown = 0
    for entry in entries:
        if shown >= limit:
            break
        shown += 1
        if as_json:
            sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
        else:
            table.add_row(entry["source_file"], str(entry["source_line"]), entry["reason"], entry["excerpt"][:60])
    if not as_json:
        out.print(table if shown else "quarantine is empty")


def _validate_package(package: Path) -> None:
    from flows.publish.package_check import validate_package
    from flows.validate import render_markdown

    try:
        with console.status(f"checking {package}…"):
            report = validate_package(package)
    except ValidationFailed as exc:
        console.print(f"[red]validation failed:[/red] {exc}")
        raise typer.Exit(1) from None
    except WenshuError as exc:
        from flows.errors import IntegrityError

        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1 if isinstance(exc, IntegrityError) else 2) from None
    out.print(render_markdown(report))
    if not report.passed:
        raise typer.Exit(1)


@app.command()
def withdraw(
    ref: Annotated[str, typer.Argument(help="DATASET@VERSION to withdraw.")],
    reason: Annotated[str, typer.Option(help="Why (public: do not quote the data being taken down).")],
    store: StoreOpt = None,
) -> None:
    """Withdraw a published version (takedown).

    Deletes its files, leaves TOMBSTONE.json with the reason, marks it withdrawn in
    versions.json, moves latest back and announces it in the feeds.
    """
    from flows.publish.consume import split_ref
    from flows.publish.withdraw import withdraw as take_down
    from flows.storage import open_storage

    try:
        dataset, version = split_ref(ref)
        if version is None:
            raise WenshuError(f"name the version to withdraw: {dataset}@VERSION")
        entry = take_down(open_storage(store or get_settings().store_url), dataset, version, reason)
    except WenshuError as exc:
        _fail(exc)
    out.print(f"withdrawn: {dataset}@{version} ({entry.get('reason')})")


def _count_expectations(result: dict[str, Any]) -> int:
    return sum(len(suite.get("expectations", [])) for suite in result.get("suites", []))


def _print_ingest(summary: dict[str, Any], curation: dict[str, Any] | None = None) -> None:
    table = Table("input", "files", "read", "accepted", "quarantined", "flagged", "reconciles")
    rows = [(name, t, f"{t['flagged']:,}") for name, t in summary["tables"].items()]
    rows += [(f"curation/{name}", t, "-") for name, t in (curation or {}).get("datasets", {}).items()]
    for name, t, flagged in rows:
        table.add_row(name, str(t["files"]), f"{t['read']:,}", f"{t['accepted']:,}", f"{t['quarantined']:,}", flagged,
                      "yes" if t["read"] == t["accepted"] + t["quarantined"] else "NO")  # fmt: skip
    out.print(table)


def _print_published(results: list[dict[str, Any]]) -> None:
    table = Table("dataset", "version", "change", "tables", "where")
    for r in results:
        version = r["version"] if r["published"] else f"{r['version']} (unchanged)"
        table.add_row(r["dataset"], version or "-", r["change"] or "none", ", ".join(f"{k} {v:,}" for k, v in r["tables"].items()),
                      f"{r['store_url']}/{r['dataset']}/{r['version']}/")  # fmt: skip
    out.print(table)


if __name__ == "__main__":
    app()
