"""One suite, two stores: every behaviour of the Storage protocol on a folder and on a real S3 server."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.errors import StorageError, UnsafeNameError
from flows.storage import Storage, open_storage
from flows.storage.local import LocalStorage
from flows.storage.s3 import MiB, S3Storage, _session

# Small enough that a 11 MiB file takes the multipart path (3 parts) in well under a second.
PART = 5 * MiB


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    bucket = request.getfixturevalue("s3_bucket")
    return S3Storage.from_url(f"{bucket}/some/prefix", multipart_threshold=PART, part_size=PART)


def run_threads(count: int, target: Callable[[int], object]) -> list[object]:
    """Run ``target(i)`` in ``count`` threads released together; re-raise the first failure."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def work(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target(index)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_implements_the_protocol(storage: Storage) -> None:
    assert isinstance(storage, Storage)


def test_missing_key(storage: Storage, tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        storage.get("no/such.json")
    assert storage.get_versioned("no/such.json") is None
    assert not storage.exists("no/such.json")
    with pytest.raises(KeyError):
        storage.size("no/such.json")
    with pytest.raises(KeyError):
        storage.download_file("no/such.json", tmp_path / "out")
    storage.delete("no/such.json")  # absent keys are not an error


def test_put_get_exists_size(storage: Storage) -> None:
    storage.put("a/b.json", b'{"x": 1}')
    assert storage.get("a/b.json") == b'{"x": 1}'
    assert storage.exists("a/b.json")
    assert storage.size("a/b.json") == 8
    assert not storage.exists("a")  # a folder-like prefix is not an object
    storage.put("a/b.json", b"{}")  # blind overwrite, for the work area
    assert storage.get("a/b.json") == b"{}"


def test_put_if_absent_never_overwrites(storage: Storage) -> None:
    assert storage.put_if_absent("d/1.0.0/datapackage.json", b"first")
    assert not storage.put_if_absent("d/1.0.0/datapackage.json", b"second")
    assert storage.get("d/1.0.0/datapackage.json") == b"first"


def test_concurrent_put_if_absent_has_one_winner(storage: Storage) -> None:
    results = run_threads(8, lambda i: storage.put_if_absent("race.json", f"writer {i}".encode()))
    assert results.count(True) == 1
    assert storage.get("race.json") == f"writer {results.index(True)}".encode()


def test_compare_and_swap(storage: Storage) -> None:
    assert storage.compare_and_swap("d/latest.json", b"v1", expected=None)  # create if absent
    assert not storage.compare_and_swap("d/latest.json", b"v1 again", expected=None)
    first = storage.get_versioned("d/latest.json")
    assert first is not None and first.data == b"v1"
    assert storage.compare_and_swap("d/latest.json", b"v2", expected=first.token)
    assert not storage.compare_and_swap("d/latest.json", b"stale", expected=first.token)
    second = storage.get_versioned("d/latest.json")
    assert second is not None and second.data == b"v2" and second.token != first.token
    assert not storage.compare_and_swap("d/gone.json", b"x", expected=first.token)
    assert not storage.exists("d/gone.json")


def test_concurrent_compare_and_swap_loses_no_update(storage: Storage) -> None:
    storage.put("counter", b"0")

    def increment(_: int) -> int:
        retries = 0
        for _ in range(10):
            while True:
                current = storage.get_versioned("counter")
                assert current is not None
                if storage.compare_and_swap("counter", str(int(current.data) + 1).encode(), current.token):
                    break
                retries += 1
        return retries

    retries = run_threads(4, increment)
    assert storage.get("counter") == b"40"
    print(f"CAS retries per thread: {retries}")


def test_list_is_sorted_and_prefixed(storage: Storage) -> None:
    keys = ["b/2.csv", "a/1/x.json", "a/10.json", "a/2.json", "ab.json", "catalog.json"]
    for key in keys:
        storage.put(key, b".")
    assert list(storage.list()) == sorted(keys)
    assert list(storage.list("a/")) == ["a/1/x.json", "a/10.json", "a/2.json"]
    assert list(storage.list("a/1")) == ["a/1/x.json", "a/10.json"]
    assert list(storage.list("a")) == ["a/1/x.json", "a/10.json", "a/2.json", "ab.json"]
    assert list(storage.list("zzz/")) == []


def test_delete(storage: Storage) -> None:
    storage.put("runs/r1/report.json", b"{}")
    storage.delete("runs/r1/report.json")
    assert not storage.exists("runs/r1/report.json")
    assert list(storage.list("runs/")) == []
    assert storage.put_if_absent("runs/r1/report.json", b"again")


@pytest.mark.parametrize("size", [1000, 2 * PART + 123], ids=["small", "multipart"])
def test_put_file_if_absent(storage: Storage, tmp_path: Path, size: int) -> None:
    source = tmp_path / "big.parquet"
    source.write_bytes(os.urandom(size))
    assert storage.put_file_if_absent("d/1.0.0/data/big.parquet", source)
    other = tmp_path / "other.parquet"
    other.write_bytes(b"other")
    assert not storage.put_file_if_absent("d/1.0.0/data/big.parquet", other)
    assert storage.size("d/1.0.0/data/big.parquet") == size
    target = tmp_path / "down" / "big.parquet"
    storage.download_file("d/1.0.0/data/big.parquet", target)
    assert _sha(target) == _sha(source)


@pytest.mark.parametrize("links", [True, False], ids=["same-file-system", "no-links"])
def test_local_put_file_links_where_it_can_and_copies_where_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    store = LocalStorage(tmp_path / "store")
    source = tmp_path / "export.parquet"
    source.write_bytes(b"published bytes")
    if not links:

        def cross_device(src: object, dst: object) -> None:
            raise OSError(18, "Invalid cross-device link")  # EXDEV, as across mounts

        real_link = os.link
        monkeypatch.setattr(os, "link", lambda s, d: cross_device(s, d) if Path(s) == source else real_link(s, d))
    assert store.put_file_if_absent("d/1.0.0/data/export.parquet", source)
    published = tmp_path / "store" / "d" / "1.0.0" / "data" / "export.parquet"
    assert published.read_bytes() == b"published bytes"
    assert os.path.samefile(published, source) is links
    assert [p.name for p in published.parent.iterdir()] == ["export.parquet"]  # no temporary left
    source.unlink()  # the export folder is cleaned up: the published file stays
    assert store.get("d/1.0.0/data/export.parquet") == b"published bytes"


def test_download_resumes_from_offset(storage: Storage, tmp_path: Path) -> None:
    data = os.urandom(10_000)
    storage.put("f.bin", data)
    target = tmp_path / "f.bin"
    target.write_bytes(data[:3_000])  # an interrupted download
    storage.download_file("f.bin", target, offset=3_000)
    assert target.read_bytes() == data
    storage.download_file("f.bin", target, offset=len(data))  # nothing left to fetch
    assert target.read_bytes() == data
    with pytest.raises(StorageError, match="cannot resume"):
        storage.download_file("f.bin", target, offset=len(data) + 1)
    storage.download_file("f.bin", target)  # offset 0 starts again
    assert target.read_bytes() == data


HOSTILE_KEYS = [
    "",
    "/etc/passwd",
    "../x",
    "a/../../x",
    "a/./b",
    "a//b",
    "a/",
    ".hidden",
    "a/.b.tmp-1",
    "a\\..\\b",
    "a\x00b",
    "a\nb",
    "a\x85b",
    "x" * 1025,
]


@pytest.mark.parametrize("kind", ["local", "s3"])
@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_are_refused(kind: str, key: str, tmp_path: Path) -> None:
    # Refused before any request, so the S3 store needs no server here.
    storage = LocalStorage(tmp_path / "store") if kind == "local" else S3Storage("bucket", "p")
    for call in (
        lambda: storage.get(key),
        lambda: storage.exists(key),
        lambda: storage.put(key, b"x"),
        lambda: storage.put_if_absent(key, b"x"),
        lambda: storage.compare_and_swap(key, b"x", None),
        lambda: storage.delete(key),
        lambda: storage.duckdb_uri(key),
    ):
        with pytest.raises(UnsafeNameError):
            call()
    with pytest.raises(UnsafeNameError):
        list(storage.list("../"))
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["store"])


def test_local_store_is_lazy_and_hides_temporary_files(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "store")
    assert not (tmp_path / "store").exists()  # nothing happens at construction
    assert list(store.list()) == []
    store.put_if_absent("d/v.json", b"{}")
    (tmp_path / "store" / "d" / ".v.json.tmp-deadbeef").write_bytes(b"left by a killed writer")
    assert list(store.list()) == ["d/v.json"]
    assert store.duckdb_uri("d/v.json") == str(tmp_path / "store" / "d" / "v.json")
    assert store.public_url("d/v.json") == (tmp_path / "store" / "d" / "v.json").as_uri()
    assert isinstance(open_storage(str(tmp_path / "store")), LocalStorage)


def test_s3_urls_content_types_and_public_access(s3_bucket: str, s3_server: str) -> None:
    store = open_storage(f"{s3_bucket}/pub/")
    assert isinstance(store, S3Storage) and store.url == f"{s3_bucket}/pub"
    bucket = s3_bucket.removeprefix("s3://")
    store.put("d/1.0.0/data/t.csv", "名,数\n甲,1\n".encode())
    assert store.duckdb_uri("d/1.0.0/data/t.csv") == f"{s3_bucket}/pub/d/1.0.0/data/t.csv"
    url = store.public_url("d/1.0.0/data/t.csv")
    assert url == f"{s3_server}/{bucket}/pub/d/1.0.0/data/t.csv"
    head = store.client.head_object(Bucket=bucket, Key="pub/d/1.0.0/data/t.csv")
    assert head["ContentType"] == "text/csv; charset=utf-8"
    assert S3Storage("bkt", "p", region="eu-west-1").public_url("x y.json") == (
        "https://bkt.s3.eu-west-1.amazonaws.com/p/x%20y.json"
    )
    assert S3Storage("bkt").public_url("x.json") == "https://bkt.s3.amazonaws.com/x.json"


def test_s3_multipart_completion_is_conditional(s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer wins between the existence check and the completion: ours is aborted."""
    store = S3Storage.from_url(s3_bucket, multipart_threshold=PART, part_size=PART)
    store.put("big.parquet", b"the winner")
    source = tmp_path / "big.parquet"
    source.write_bytes(os.urandom(PART + 1))
    monkeypatch.setattr(store, "_head", lambda full: None)  # the winner lands after our check
    assert not store.put_file_if_absent("big.parquet", source)
    assert store.get("big.parquet") == b"the winner"
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket)
    assert uploads.get("Uploads", []) == []


def test_s3_errors_name_the_key_and_never_the_secret(
    s3_server: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value-1234")
    _session.cache_clear()  # resolve credentials afresh from the patched environment...
    request.addfinalizer(_session.cache_clear)  # ...and forget them afterwards
    store = S3Storage("no-such-bucket-here", "p", endpoint_url=s3_server)
    with pytest.raises(StorageError) as caught:
        store.put_if_absent("d/x.json", b"{}")
    message = str(caught.value)
    assert "PutObject" in message and "s3://no-such-bucket-here/p/d/x.json" in message
    assert "NoSuchBucket" in message
    assert "very-secret-value-1234" not in message


def test_s3_conditional_conflict_is_retried(s3_bucket: str) -> None:
    """A 409 ConditionalRequestConflict (a concurrent conditional write on AWS) is retried."""
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    class Raw:
        def stream(self, **_: object) -> list[bytes]:
            return [b"<Error><Code>ConditionalRequestConflict</Code><Message>retry</Message></Error>"]

    store = S3Storage.from_url(s3_bucket)
    conflicts = [AWSResponse("http://injected", 409, HTTPHeaders(), Raw())]
    store.client.meta.events.register(
        "before-send.s3.PutObject",
        lambda **_: conflicts.pop() if conflicts else None,  # type: ignore[arg-type,return-value]
    )
    assert store.put_if_absent("x.json", b"1")
    assert not conflicts and store.get("x.json") == b"1"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
