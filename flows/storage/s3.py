"""Any S3-compatible bucket and prefix as a store, through boto3 and S3 conditional writes.

* write-if-absent is ``PutObject`` (or ``CompleteMultipartUpload``) with ``If-None-Match: *``;
* compare-and-swap is ``PutObject`` with ``If-Match: <ETag>`` and the token is the ETag.

The server decides, so concurrent writers on different machines cannot both win. Credentials
come only from the AWS default chain; they never appear in a message or a log line.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import boto3
import urllib3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from flows.errors import ConfigurationError, StorageError
from flows.settings import get_settings
from flows.storage.base import Versioned, check_key, check_offset, check_prefix
from flows.storage.redact import redact_credentials

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MiB = 1024 * 1024
_CHUNK = 1 * MiB
_MAX_PARTS = 10_000
_CONFLICT_RETRIES = 4  # 409 ConditionalRequestConflict: a concurrent conditional write; retry
# botocore retries a request until its response headers arrive; a body cut off after that
# (reset, stall, truncation) surfaces later, on read, so reads retry those themselves.
_READ_ATTEMPTS = 4
# urllib3's ProtocolError and a plain ConnectionError escape botocore when a connection dies
# while it reads an (error) response body: they are interruptions like the others.
_INTERRUPTED = (
    ConnectionClosedError, EndpointConnectionError, IncompleteReadError, ReadTimeoutError, ResponseStreamingError,
    urllib3.exceptions.ProtocolError, ConnectionError,
)  # fmt: skip
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$")
_MISSING = {"NoSuchKey", "NotFound", "404"}
_REFUSED = {"PreconditionFailed", "412"}
_CONFLICT = {"ConditionalRequestConflict", "409"}
_CONTENT_TYPES = {
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "md": "text/markdown; charset=utf-8",
    "xml": "application/xml",
    "txt": "text/plain; charset=utf-8",
    "gz": "application/gzip",
}


# Sessions load the service models (~0.15 s) and are not thread-safe: share one, lock creation.
_CLIENT_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _session() -> boto3.session.Session:
    return boto3.session.Session()


class _Missing(Exception):
    """The object (not the bucket) does not exist."""


class _Refused(Exception):
    """A condition failed: 412 (someone else won) or 409 (a concurrent conditional write)."""

    def __init__(self, conflict: bool):
        super().__init__()
        self.conflict = conflict


class S3Storage:
    """Keys live under ``s3://<bucket>/<prefix>``; the boto3 client is created on first use."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        *,
        multipart_threshold: int = 64 * MiB,
        part_size: int = 16 * MiB,
        connect_timeout: float = 10,
        read_timeout: float = 120,
        max_attempts: int = 5,
    ):
        if not _BUCKET.match(bucket):
            raise ConfigurationError(f"invalid S3 bucket name {bucket!r}")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
            prefix += "/"
        if part_size < 5 * MiB:
            raise ConfigurationError("S3 multipart parts must be at least 5 MiB")
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.region = region
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.timeouts = (connect_timeout, read_timeout)
        self.max_attempts = max_attempts
        self.url = f"s3://{bucket}/{prefix}".rstrip("/")
        self._client: S3Client | None = None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> S3Storage:
        """``s3://bucket/prefix``, with the endpoint and region from the settings."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ConfigurationError(f"not an S3 URL {url!r}: expected s3://bucket/prefix")
        settings = get_settings()
        return cls(
            parts.netloc,
            parts.path,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            **options,
        )

    def __repr__(self) -> str:
        return f"S3Storage({self.url!r}, endpoint_url={self.endpoint_url!r})"

    @property
    def client(self) -> S3Client:
        if self._client is not None:
            return self._client
        with _CLIENT_LOCK:
            if self._client is None:
                config = Config(
                    retries={"mode": "standard", "max_attempts": self.max_attempts},
                    connect_timeout=self.timeouts[0],
                    read_timeout=self.timeouts[1],
                    max_pool_connections=32,
                    # Checksums only where S3 demands them: S3-compatible servers (MinIO, R2,
                    # Ceph, moto) disagree on the newer default trailing checksums.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    s3={"addressing_style": "path"} if self.endpoint_url else None,
                )
                self._client = _session().client("s3", region_name=self.region, endpoint_url=self.endpoint_url, config=config)
                credentials = _session().get_credentials()
                frozen = credentials.get_frozen_credentials() if credentials else None
                redact_credentials(frozen.secret_key if frozen else None, frozen.token if frozen else None)
            return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @contextlib.contextmanager
    def _wrap(self, operation: str, full_key: str) -> Iterator[None]:
        """Turn botocore errors into ``_Missing``, ``_Refused`` or a :class:`StorageError`."""
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code in _MISSING:
                raise _Missing from None
            if code in _REFUSED or code in _CONFLICT:
                raise _Refused(conflict=code in _CONFLICT) from None
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise StorageError(
                f"S3 {operation} failed for s3://{self.bucket}/{full_key}: {code or 'error'} (HTTP {status}) "
                f"{error.get('Message', '')}; check the bucket, the endpoint "
                f"({self.endpoint_url or 'AWS'}) and the credentials in the AWS chain"
            ) from exc
        except (BotoCoreError, urllib3.exceptions.HTTPError, ConnectionError) as exc:
            raise StorageError(f"S3 {operation} failed for s3://{self.bucket}/{full_key}: {type(exc).__name__}: {exc}") from exc

    def _conditional(self, operation: str, full_key: str, write: Callable[[], object]) -> bool:
        """Run a conditional write: ``False`` on 412; 409 (a concurrent conditional write) is retried."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                with self._wrap(operation, full_key):
                    write()
                return True
            except _Refused as refused:
                if not refused.conflict:
                    return False
                log.info("s3 conditional write conflict key=%s attempt=%d", full_key, attempt + 1)
                time.sleep(0.05 * 2**attempt)
        raise StorageError(
            f"S3 {operation} for s3://{self.bucket}/{full_key} kept answering 409 "
            "ConditionalRequestConflict (concurrent writers); retry later"
        )

    # -- reading ----------------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        found = self.get_versioned(key)
        if found is None:
            raise KeyError(key)
        return found.data

    def get_versioned(self, key: str) -> Versioned | None:
        full = self._key(key)

        def read() -> Versioned:
            response = self.client.get_object(Bucket=self.bucket, Key=full)
            return Versioned(response["Body"].read(), response["ETag"])

        try:
            return self._read("GetObject", full, read)
        except _Missing:
            return None

    def _read(self, operation: str, full_key: str, read: Callable[[], _T]) -> _T:
        """Run an idempotent ``read`` again when its response body was cut off."""
        for attempt in range(1, _READ_ATTEMPTS):
            try:
                with self._wrap(operation, full_key):
                    return read()
            except StorageError as exc:
                if not isinstance(exc.__cause__, _INTERRUPTED):
                    raise
                log.info("s3 read interrupted key=%s attempt=%d error=%s", full_key, attempt, type(exc.__cause__).__name__)
                time.sleep(0.05 * 2**attempt)
        with self._wrap(operation, full_key):
            return read()

    def _head(self, full: str) -> dict[str, Any] | None:
        try:
            with self._wrap("HeadObject", full):
                return dict(self.client.head_object(Bucket=self.bucket, Key=full))
        except _Missing:
            return None

    def exists(self, key: str) -> bool:
        return self._head(self._key(key)) is not None

    def size(self, key: str) -> int:
        head = self._head(self._key(key))
        if head is None:
            raise KeyError(key)
        return int(head["ContentLength"])

    def stamp(self, key: str) -> str | None:
        head = self._head(self._key(key))
        return None if head is None else f"{head['ContentLength']}:{head['ETag']}"

    def list(self, prefix: str = "") -> Iterator[str]:
        full = self.prefix + check_prefix(prefix)
        return self._list(full)

    def _list(self, full_prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        with self._wrap("ListObjectsV2", full_prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    if key and not key.endswith("/"):  # skip console "folder" markers
                        yield key

    def download_file(self, key: str, path: Path, offset: int = 0) -> None:
        full = self._key(key)
        path = Path(path)
        start = [offset]

        def read() -> None:
            params: dict[str, Any] = {"Bucket": self.bucket, "Key": full}
            if start[0]:
                size = self.size(key)
                check_offset(key, start[0], size)
                if start[0] == size:  # already complete; a Range GET would answer 416
                    return
                params["Range"] = f"bytes={start[0]}-"
            body = self.client.get_object(**params)["Body"]
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab" if start[0] else "wb") as dst:
                try:
                    for chunk in body.iter_chunks(_CHUNK):
                        dst.write(chunk)
                finally:  # an interrupted stream resumes after the bytes already written
                    dst.flush()
                    start[0] = dst.tell()

        try:
            self._read("GetObject", full, read)
        except _Missing:
            raise KeyError(key) from None

    def duckdb_uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def public_url(self, key: str) -> str:
        path = quote(self._key(key))
        if self.endpoint_url:
            return f"{self.endpoint_url}/{self.bucket}/{path}"
        if self.region:
            return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{path}"
        return f"https://{self.bucket}.s3.amazonaws.com/{path}"

    # -- writing ----------------------------------------------------------------------------
    def put(self, key: str, data: bytes) -> None:
        full = self._key(key)
        with self._wrap("PutObject", full):
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data, ContentType=_content_type(full))

    def put_if_absent(self, key: str, data: bytes) -> bool:
        full = self._key(key)
        return self._conditional(
            "PutObject",
            full,
            lambda: self.client.put_object(
                Bucket=self.bucket, Key=full, Body=data, IfNoneMatch="*", ContentType=_content_type(full)
            ),
        )

    def put_file_if_absent(self, key: str, path: Path) -> bool:
        full = self._key(key)
        path = Path(path)
        size = path.stat().st_size
        if size >= self.multipart_threshold:
            return self._multipart_if_absent(full, path, size)
        with path.open("rb") as body:

            def write() -> object:
                body.seek(0)  # a retried attempt sends the file again
                return self.client.put_object(
                    Bucket=self.bucket, Key=full, Body=body, IfNoneMatch="*", ContentType=_content_type(full)
                )

            return self._conditional("PutObject", full, write)

    def _multipart_if_absent(self, full: str, path: Path, size: int) -> bool:
        if self._head(full) is not None:
            return False  # cheap early exit; the completion below is conditional anyway
        part_size = max(self.part_size, -(-size // _MAX_PARTS))
        with self._wrap("CreateMultipartUpload", full):
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=full, ContentType=_content_type(full))[
                "UploadId"
            ]
        log.debug("s3 multipart upload key=%s bytes=%d part_bytes=%d", full, size, part_size)
        completed = False
        try:
            parts: list[dict[str, Any]] = []
            with path.open("rb") as src:
                while chunk := src.read(part_size):
                    number = len(parts) + 1
                    with self._wrap("UploadPart", full):
                        part = self.client.upload_part(
                            Bucket=self.bucket, Key=full, UploadId=upload_id, PartNumber=number, Body=chunk
                        )
                    parts.append({"ETag": part["ETag"], "PartNumber": number})
            completed = self._conditional(
                "CompleteMultipartUpload",
                full,
                lambda: self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
                    IfNoneMatch="*",
                ),
            )
            return completed
        finally:
            if not completed:  # refused, failed or interrupted: leave no orphan parts behind
                self._abort(full, upload_id)

    def _abort(self, full: str, upload_id: str) -> None:
        try:
            with self._wrap("AbortMultipartUpload", full):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
        except (StorageError, _Missing, _Refused):
            log.warning("s3 could not abort multipart upload key=%s upload_id=%s", full, upload_id)

    def compare_and_swap(self, key: str, data: bytes, expected: str | None) -> bool:
        full = self._key(key)
        condition: dict[str, Any] = {"IfNoneMatch": "*"} if expected is None else {"IfMatch": expected}
        try:
            return self._conditional(
                "PutObject",
                full,
                lambda: self.client.put_object(
                    Bucket=self.bucket, Key=full, Body=data, **condition, ContentType=_content_type(full)
                ),
            )
        except _Missing:  # If-Match on an object deleted meanwhile
            return False

    def delete(self, key: str) -> None:
        full = self._key(key)
        with contextlib.suppress(_Missing), self._wrap("DeleteObject", full):
            self.client.delete_object(Bucket=self.bucket, Key=full)


def _content_type(key: str) -> str:
    name = key.rpartition("/")[2]
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return _CONTENT_TYPES.get(extension, "application/octet-stream")
