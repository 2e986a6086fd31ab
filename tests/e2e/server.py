"""Runs the real service as subprocesses, and speaks GraphQL to the API over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    """One `python -m diptych ...` child, with its output in a log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as when a machine dies."""
        self.process.kill()
        self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"process exited early:\n{self.output()}")
            time.sleep(0.05)
        raise RuntimeError(f"no {text!r} within {timeout}s:\n{self.output()}")


@dataclass
class Server(Process):
    url: str

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def spawn(args: Sequence[str], data_dir: Path, env: Mapping[str, str], log_name: str) -> Process:
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / log_name
    full_env = {**os.environ, "DIPTYCH_DATA_DIR": str(data_dir), **env}
    with log.open("ab") as output:  # the child keeps its own copy of the file descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "diptych", *args],
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Process(process, log)


def start(
    data_dir: Path,
    env: Mapping[str, str] = {},
    timeout: float = 60,
    args: Sequence[str] = (),
    log_name: str = "server.log",
) -> Server:
    """`diptych serve` on a free port, once its /health answers."""
    port = free_port()
    child = spawn(["serve", "--port", str(port), *args], data_dir, env, log_name)
    server = Server(child.process, child.log, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not become healthy:\n{server.output()}")
