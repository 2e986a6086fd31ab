"""Child processes (`python -m diptych ...`, the raw servers, a peer), each writing to a log
file."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.errors import BenchError

STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def failure(self, what: str) -> BenchError:
        tail = "\n".join(self.output().splitlines()[-20:])
        return BenchError(f"{self.name} {what} (log: {self.log}):\n{tail}")

    async def wait_for_output(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.popen.poll() is not None:
                raise self.failure(f"exited with {self.popen.returncode} before saying {text!r}")
            if time.monotonic() > deadline:
                raise self.failure(f"did not say {text!r} within {timeout:g}s")
            await asyncio.sleep(0.05)

    async def wait_healthy(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=1) as client:
            while True:
                if self.popen.poll() is not None:
                    raise self.failure(f"exited with {self.popen.returncode} while starting")
                try:
                    if (await client.get(url)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise self.failure(f"did not answer {url} within {timeout:g}s")
                await asyncio.sleep(0.1)

    async def stop(self) -> int:
        """SIGTERM, then SIGKILL if it has not exited after STOP_TIMEOUT seconds."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.popen.wait, STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                await asyncio.to_thread(self.popen.wait)
        return self.popen.returncode


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The given DIPTYCH_* settings and none from our own environment (the bench must never touch
    the user's own database, index or broker names)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DIPTYCH_")} | dict(env)


def spawn(
    name: str, module: str, args: Sequence[str], env: Mapping[str, str], log: Path
) -> Process:
    """`python -m module args...` with the given DIPTYCH_* settings (`child_environment`)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        popen = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=child_environment(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Process(name, popen, log)


def spawn_program(
    name: str, program: str, args: Sequence[str], env: Mapping[str, str], log: Path,
    cwd: Path | None = None,
) -> Process:
    """`program args...` (not Python: a peer such as PostGraphile), with `env` added to our own
    environment minus every DIPTYCH_* setting (`child_environment`)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        popen = subprocess.Popen(
            [program, *args], env=child_environment(env), cwd=cwd, stdout=output,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    return Process(name, popen, log)


async def output_of(name: str, module: str, args: Sequence[str], env: Mapping[str, str],
                    timeout: float = 60) -> str:
    """`python -m module args...` run to its end with the given DIPTYCH_* settings
    (`child_environment`); what it printed, stripped. A BenchError if it fails."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *args, env=child_environment(env),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(child.communicate(), timeout)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise BenchError(f"{name} did not finish within {timeout:g}s") from None
    if child.returncode != 0:
        raise BenchError(f"{name} exited with {child.returncode}:\n{err.decode(errors='replace')}")
    return out.decode().strip()
