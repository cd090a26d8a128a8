"""Shared fixtures: real sample data from ../shared/data, an in-process S3 server, Prefect."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from flows.resources import SHARED_DATA_DIR

# The suite shares two cores with integration tests in parallel: generation speed and per-example
# time say nothing about correctness here, so those two health checks would only make CI flaky.
settings.register_profile("shared-cores", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("shared-cores")

# Tests never touch the developer's own settings or AWS credentials.
for _name in list(os.environ):
    if _name.startswith("WENSHU_"):
        del os.environ[_name]
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA_DIR.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA_DIR


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _atomic_conditional_writes() -> None:
    """Make moto decide a conditional write atomically, as S3, MinIO and R2 do.

    moto checks ``If-Match``/``If-None-Match`` and then writes, unlocked, in whichever server
    thread took the request: two racing publishers could both pass the check, which a real
    bucket never lets happen (tests/faults/test_concurrency.py races them). One lock around
    the handlers of PutObject and of CompleteMultipartUpload (moto's key POST) closes that gap.
    """
    import functools
    import threading

    from moto.s3.responses import S3Response

    if getattr(S3Response, "_wenshu_atomic", False):
        return
    lock = threading.RLock()
    for name in ("put_object", "_key_response_post"):
        handler = getattr(S3Response, name)

        @functools.wraps(handler)
        def serialised(self: S3Response, *args: object, _handler=handler, **kwargs: object) -> object:
            with lock:
                return _handler(self, *args, **kwargs)

        setattr(S3Response, name, serialised)
    S3Response._wenshu_atomic = True  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real S3 endpoint (moto's threaded server) on loopback; yields its URL."""
    from moto.server import ThreadedMotoServer

    _atomic_conditional_writes()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture()
def s3_bucket(s3_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh bucket on the S3 server, named after the test; yields ``s3://bucket``."""
    import re

    import boto3

    name = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:40].strip("-") + "-" + os.urandom(3).hex()
    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket=name)
    os.environ["WENSHU_S3_ENDPOINT_URL"] = s3_server
    from flows.settings import get_settings

    get_settings.cache_clear()
    try:
        yield f"s3://{name}"
    finally:
        os.environ.pop("WENSHU_S3_ENDPOINT_URL", None)
        get_settings.cache_clear()
