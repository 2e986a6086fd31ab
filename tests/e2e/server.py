"""Runs the real service as subprocesses, and speaks GraphQL to the API over HTTP.

`start` signs in as an operator would: once the server is healthy it runs `diptych token --role
admin` with the server's own settings (so the same `$DIPTYCH_DATA_DIR/jwt-secret`), keeps the token
as `Server.token`, and `Server.graphql` sends it as `Authorization: Bearer ...`. A test that means
to call as someone else says so: `server.graphql_as(None, ...)` is the anonymous caller,
`server.graphql_as(server.mint("--role", "customer", "--user", id), ...)` a customer.
"""

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


def bearer(token: str | None) -> dict[str, str]:
    """The header (or WebSocket `connection_init` payload) that signs in with `token`; none for
    the anonymous caller."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def environment(data_dir: Path, env: Mapping[str, str]) -> dict[str, str]:
    """What a `python -m diptych ...` child of this data directory runs with."""
    return {**os.environ, "DIPTYCH_DATA_DIR": str(data_dir), **env}


def mint(data_dir: Path, env: Mapping[str, str], *args: str) -> str:
    """`diptych token ARGS...` with these settings: a token signed with the data directory's
    embedded secret (which it creates if missing)."""
    done = subprocess.run(
        [sys.executable, "-m", "diptych", "token", *args],
        env=environment(data_dir, env), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, f"diptych token {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout.strip()


@dataclass
class Server(Process):
    url: str
    data_dir: Path
    env: Mapping[str, str]
    token: str = ""  # an admin's, from `diptych token --role admin` once the server is healthy

    def mint(self, *args: str) -> str:
        """Another token for this server: `server.mint("--role", "customer", "--user", id)`."""
        return mint(self.data_dir, self.env, *args)

    # Positional-only, so that any name (`token`, `query`...) may be a GraphQL variable.
    def graphql(self, query: str, /, **variables: Any) -> dict[str, Any]:
        """As the signed-in operator (the admin token)."""
        return self.graphql_as(self.token, query, **variables)

    def graphql_as(self, caller: str | None, query: str, /, **variables: Any) -> dict[str, Any]:
        """As the caller the token `caller` signs in, or as the anonymous caller with None."""
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables},
            headers=bearer(caller), timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def spawn(args: Sequence[str], data_dir: Path, env: Mapping[str, str], log_name: str) -> Process:
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / log_name
    full_env = environment(data_dir, env)
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
    """`diptych serve` on a free port, once its /health answers, with an admin token to call it
    with (`Server.token`)."""
    port = free_port()
    child = spawn(["serve", "--port", str(port), *args], data_dir, env, log_name)
    server = Server(child.process, child.log, f"http://127.0.0.1:{port}", data_dir, dict(env))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        server.stop()
        raise RuntimeError(f"server did not become healthy:\n{server.output()}")
    try:
        server.token = server.mint("--role", "admin", "--expires", "1d")
    except BaseException:
        server.stop()
        raise
    return server
