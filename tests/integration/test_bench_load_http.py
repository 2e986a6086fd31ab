"""The benchmarks' load client (bench/load_http.py) against a real uvicorn: a connection the
server closed while it sat idle is never written to again, even when the client's event loop was
busy (blocked here) while the server's close arrived."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench import load_http
from bench.processes import free_port

APP = '''
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"ok": true}'})
'''
SERVER_IDLE_S = 1  # the server closes a connection idle this long (uvicorn's default is 5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "tiny_app.py").write_text(APP)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tiny_app:app", "--app-dir", str(tmp_path),
         "--port", str(port), "--timeout-keep-alive", str(SERVER_IDLE_S), "--log-level",
         "warning"])
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    server: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(load_http, "IDLE_S", SERVER_IDLE_S / 2)  # kept below the server's, as 2 < 5
    async with load_http.http_client(1) as http:
        assert await http.post_json(server, {"n": 1}) == (200, {"ok": True})
        time.sleep(SERVER_IDLE_S + 0.5)  # the loop blocked: the server's close is not seen yet
        assert await http.post_json(server, {"n": 2}) == (200, {"ok": True})
