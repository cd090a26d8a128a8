"""Credentials never appear in logs (DEBUG, botocore included), errors, run reports or the store."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from faultkit import DATASET, Files, publish
from faultproxy import FaultProxy

from flows.errors import WenshuError
from flows.pipeline import report
from flows.pipeline.context import RunContext
from flows.publish.consume import download, verify_store
from flows.publish.datasets import DatasetSpec
from flows.storage.s3 import S3Storage, _session

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/FaultTestSecret+Zq9XyW"
SESSION_TOKEN = "FQoGZXIvYXdzEFaultTestSessionToken0123456789abcdef"
ACCESS_KEY = "AKIAFAULTTESTKEY4242"
SECRETS = (SECRET_KEY, SESSION_TOKEN)


@pytest.fixture()
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    _session.cache_clear()  # the shared boto3 session resolves credentials once
    yield
    _session.cache_clear()


class Everything(logging.Handler):
    """Keeps every record, formatted with its traceback, whatever the logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def failure_text(call: Callable[[], object]) -> str:
    """The full text of the error ``call`` raises, with its whole chain of causes."""
    try:
        call()
    except WenshuError as exc:
        return "".join(traceback.format_exception(exc)) + repr(exc) + repr(exc.__cause__)
    raise AssertionError("expected a project error")


@pytest.fixture()
def everything_logged() -> Iterator[Everything]:
    """Every record of every logger at DEBUG, botocore's included, whatever configured them before.

    Levels go through ``setLevel``, which also clears the loggers' cached ``isEnabledFor``.
    """
    handler = Everything()
    loggers = [logging.getLogger(name) for name in [*logging.root.manager.loggerDict, "botocore", "boto3", "urllib3"]]
    loggers = [logger for logger in loggers if logger.name.split(".")[0] in ("botocore", "boto3", "urllib3", "flows")]
    saved = [(logger, logger.level, logger.disabled, logger.propagate) for logger in loggers]
    root, root_level = logging.getLogger(), logging.getLogger().level
    for logger in loggers:
        logger.disabled, logger.propagate = False, True
        logger.setLevel(logging.NOTSET)
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger, level, disabled, propagate in saved:
            logger.disabled, logger.propagate = disabled, propagate
            logger.setLevel(level)
        root.setLevel(root_level)


def test_credentials_never_leak(
    fake_credentials: None,
    everything_logged: Everything,
    s3_bucket: str,
    s3_server: str,
    spec: DatasetSpec,
    packages: Callable[[str], Files],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0.01)
    handler = everything_logged
    bucket = s3_bucket.removeprefix("s3://")
    context = RunContext.create(landing=str(tmp_path / "landing"), store=f"{s3_bucket}/store", work=f"{s3_bucket}/work")
    result = publish(context.store, spec, packages("v1"), run_id=context.run_id)
    texts = [
        failure_text(lambda: S3Storage("no-such-bucket-anywhere", endpoint_url=s3_server).get("a.json")),
        failure_text(lambda: S3Storage("no-such-bucket-anywhere", endpoint_url=s3_server).put("a.json", b"{}")),
        failure_text(lambda: S3Storage(bucket, endpoint_url="http://127.0.0.1:9", connect_timeout=0.2, max_attempts=1).get("x")),
    ]
    with FaultProxy(s3_server) as proxy:  # a publish that fails on a broken connection
        proxy.configure(["500"], rate=1.0, seed=1)
        broken = S3Storage(bucket, "broken", endpoint_url=proxy.url, max_attempts=2)
        texts.append(failure_text(lambda: publish(broken, spec, packages("v1"))))
    audit = verify_store(context.store, tmp_path / "scratch")
    assert audit.ok
    folder = download(context.store, DATASET, tmp_path / "download")
    run_report = {"run_id": context.run_id, "status": "failed", "error": texts[0], "publish": [result.to_dict()]}
    report.save(context, run_report)
    texts.append(report.to_markdown(run_report))
    logging.getLogger("botocore.credentials").debug("careless code logging %s", SECRET_KEY)
    client = boto3.client("s3", endpoint_url=s3_server)
    stored = [
        client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in client.list_objects_v2(Bucket=bucket)["Contents"]
    ]
    assert any(key.endswith("report.json") for key in (i["Key"] for i in client.list_objects_v2(Bucket=bucket)["Contents"]))
    downloaded = [path.read_bytes() for path in folder.rglob("*") if path.is_file()]
    logs = "\n".join(handler.lines)
    assert any("botocore" in line for line in handler.lines), "botocore's DEBUG records were not captured"
    for secret in SECRETS:
        assert secret not in logs
        assert all(secret not in text for text in texts)
        assert all(secret.encode() not in data for data in stored + downloaded)
    # The access key id is not secret (botocore logs it in the Authorization header at DEBUG),
    # but it has no business in an error message, a report or a published file.
    assert all(ACCESS_KEY not in text for text in texts)
    assert all(ACCESS_KEY.encode() not in data for data in stored + downloaded)
    assert "careless code logging ***" in logs
    print(
        f"secrets: {len(handler.lines)} log records, {len(texts)} error/report texts, {len(stored) + len(downloaded)} files: clean"
    )
