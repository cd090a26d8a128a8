"""A small fault-injecting HTTP proxy for the S3 server: errors, resets, stalls, truncation.

Each request is forwarded to ``upstream`` unless the fault chosen for it says otherwise:

``500``/``503``     answer an S3 error without forwarding (botocore retries these);
``reset``           forward (the request takes effect), then reset the connection unanswered;
``reset-early``     reset the connection before forwarding;
``stall``           hold the request longer than the client's read timeout, then forward it late;
``truncate``        forward, then send half the response body and close (Content-Length kept);
``short``           forward, then send half the body with a matching Content-Length (undetectable
                    by HTTP: only the checksums can tell);
``flip``            forward, then flip one byte of the body.

Faults are drawn per request from a seeded generator, on a share ``rate`` of the requests whose
path ``applies`` accepts; ``counts`` records what was done.
"""

from __future__ import annotations

import http.client
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "te", "upgrade"}


class FaultProxy:
    def __init__(self, upstream: str, *, stall_seconds: float = 1.5):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.stall_seconds = stall_seconds
        self.kinds: list[str] = []
        self.rate = 0.0
        self.applies: Callable[[str, str], bool] = lambda method, path: True
        self.counts: Counter[str] = Counter()
        self._random = random.Random(0)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def configure(self, kinds: list[str], rate: float, seed: int, applies: Callable[[str, str], bool] | None = None) -> None:
        with self._lock:
            self.kinds, self.rate, self._random = kinds, rate, random.Random(seed)
            self.applies = applies or (lambda method, path: True)

    def choose(self, method: str, path: str) -> str:
        with self._lock:
            fault = "pass"
            if self.kinds and self.applies(method, path) and self._random.random() < self.rate:
                fault = self._random.choice(self.kinds)
            self.counts[fault] += 1
            return fault

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            connection.request(method, path, body=body if body or method in ("PUT", "POST") else None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}]
            if method == "HEAD":
                kept.append(("Content-Length", response.getheader("Content-Length", "0")))
            return response.status, kept, data
        finally:
            connection.close()


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    data += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return data
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _reset(self) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes, length: int | None = None) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if self.command != "HEAD":
                self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()

        def handle_any(self) -> None:
            body = self._body()
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            fault = proxy.choose(self.command, self.path)
            try:
                if fault in ("500", "503"):
                    code = "InternalError" if fault == "500" else "SlowDown"
                    error = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
                    self._send(int(fault), [("Content-Type", "application/xml")], error)
                    return
                if fault == "reset-early":
                    self._reset()
                    return
                if fault == "stall":
                    time.sleep(proxy.stall_seconds)
                status, response_headers, data = proxy.forward(self.command, self.path, headers, body)
                if fault == "reset":
                    self._reset()
                elif fault == "truncate" and len(data) > 1:
                    self._send(status, response_headers, data[: len(data) // 2], length=len(data))
                    self._reset()
                elif fault == "short" and len(data) > 1:
                    self._send(status, response_headers, data[: len(data) // 2])
                elif fault == "flip" and data:
                    flipped = bytearray(data)
                    flipped[len(data) // 2] ^= 0x01
                    self._send(status, response_headers, bytes(flipped))
                else:
                    self._send(status, response_headers, data)
            except OSError:  # the client gave up (stall) or we reset: nothing more to say
                self.close_connection = True

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any

    return Handler
