"""flows.pipeline.server_process: uvicorn that stops when the command holding its input goes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

APP = "async def app(scope, receive, send):\n" \
      "    if scope['type'] == 'http':\n" \
      "        await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n" \
      "        await send({'type': 'http.response.body', 'body': b'ok'})\n"  # fmt: skip


def _serve(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    (tmp_path / "tiny_app.py").write_text(APP, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "flows.pipeline.server_process", "--app-dir", str(tmp_path), "tiny_app:app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "error"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_end_of_its_input_stops_the_server(tmp_path: Path) -> None:
    port = _free_port()
    server = _serve(tmp_path, port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/", timeout=1).text == "ok"
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        assert server.stdin is not None
        server.stdin.close()  # as the kernel does when the command that holds it dies

        server.wait(timeout=15)
    finally:
        server.kill()
        server.wait()


def test_a_port_already_taken_is_uvicorns_exit_code_3(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = _serve(tmp_path, taken.getsockname()[1])
        server.wait(timeout=60)  # its input open, as the command keeps it
    assert server.stderr is not None and server.stdin is not None
    errors = server.stderr.read()
    server.stdin.close()

    assert server.returncode == 3, errors.decode(errors="replace")  # startup respawns on another port on 3
    assert b"Fatal Python error" not in errors
