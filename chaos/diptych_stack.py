"""Diptych's processes for a scenario, each one by name so it can be SIGKILLed and started again.

bench/service.py starts the same processes in one block; a fault scenario needs its hands on each:
`diptych worker projector`, `diptych worker relay` (and a standby relay beside it, as production
runs two) and `diptych serve`, on a broker; or `diptych serve` alone on the embedded default
(SQLite, the in-process broker, tantivy). Every process writes to its own log under the data
directory (kept with `python -m chaos --keep`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.processes import Process, free_port, output_of, spawn
from bench.service import CONSISTENCY_TIMEOUT, TOKEN_LIFETIME, Service
from chaos.chaos_scenario import ChaosError

START_TIMEOUT = 90.0  # a restarted projector first catches up from the event log
# What each role says once it is ready; the standby relay only waits for the lock, so it says
# nothing until it takes over.
READY = {"projector": "consuming", "relay": "this relay is now the active one"}
COMMANDS = {
    "projector": ["worker", "projector"],
    "relay": ["worker", "relay"],
    "standby": ["worker", "relay"],
}


@dataclass
class Stack:
    data_dir: Path
    env: dict[str, str]
    processes: dict[str, Process] = field(default_factory=dict)
    killed: set[int] = field(default_factory=set)  # pids SIGKILLed on purpose: no exit check
    port: int = 0
    token: str = ""

    @property
    def service(self) -> Service:
        """What bench/graphql.py speaks to."""
        return Service(f"http://127.0.0.1:{self.port}", self.data_dir,
                       "DIPTYCH_AMQP_URL" in self.env, self.token)

    def log(self, role: str) -> Path:
        return self.data_dir / "logs" / f"{role}.log"

    async def start(self, role: str, ready: bool = True) -> Process:
        """Start `role` (projector, relay, standby, api) and, if `ready`, wait until it says so
        (a relay started while another holds the lock only waits: no `ready`)."""
        if role == "api":
            self.port = self.port or free_port()  # the same port again after a restart
            args = ["serve", "--port", str(self.port)]
        else:
            args = COMMANDS[role]
        said = self.says(role, READY.get(role, "\0"))  # a restart's log holds the last run's too
        process = spawn(f"diptych {' '.join(args[:2])} ({role})", "diptych", args, self.env,
                        self.log(role))
        self.processes[role] = process
        if role == "api":
            await process.wait_healthy(f"{self.service.url}/health", START_TIMEOUT)
        elif ready and role in READY:
            await self.await_says(role, READY[role], said)
        return process

    async def await_says(self, role: str, text: str, before: int,
                         timeout: float = START_TIMEOUT) -> float:
        """Wait until `role`'s log holds `text` more than `before` times; how long it took."""
        started = time.monotonic()
        process = self.processes[role]
        while self.says(role, text) <= before:
            if process.popen.poll() is not None:
                raise process.failure(f"exited with {process.popen.returncode} before "
                                      f"saying {text!r}")
            if time.monotonic() - started > timeout:
                raise process.failure(f"did not say {text!r} within {timeout:g}s")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    def kill(self, role: str) -> None:
        """SIGKILL `role`, as the OOM killer or a lost machine would: no clean-up of any kind."""
        process = self.processes[role]
        process.popen.send_signal(signal.SIGKILL)
        process.popen.wait(10)
        self.killed.add(process.popen.pid)

    async def restart(self, role: str, ready: bool = True) -> Process:
        """Start `role` again on the same data, settings and port; the log goes on."""
        return await self.start(role, ready)

    def dead(self) -> list[str]:
        """Processes that exited though nobody killed them (a crash under the fault)."""
        return [f"{role} exited with {process.popen.returncode} (log: {process.log})"
                for role, process in self.processes.items()
                if process.popen.pid not in self.killed and process.popen.poll() is not None]

    def says(self, role: str, text: str) -> int:
        """How many times `role`'s log (every run of it) holds `text`."""
        path = self.log(role)
        return path.read_text(errors="replace").count(text) if path.exists() else 0

    async def stop(self) -> list[str]:
        """SIGTERM every process still running, the API first; those that did not exit 0."""
        failed = []
        for role, process in reversed(list(self.processes.items())):
            if process.popen.pid in self.killed:
                continue
            code = await process.stop()
            if code != 0:
                failed.append(f"{role} exited with {code} when stopped (log: {process.log})")
        return failed


@contextlib.asynccontextmanager
async def running(data_dir: Path, settings: Mapping[str, str],
                  roles: tuple[str, ...] = ("projector", "relay", "standby", "api"),
                  ) -> AsyncIterator[Stack]:
    """Start `roles` in order with these DIPTYCH_* settings (just `api` on the embedded default);
    stop every process on exit and raise if one of them did not stop cleanly."""
    env = {"DIPTYCH_DATA_DIR": str(data_dir), "DIPTYCH_CONSISTENCY_TIMEOUT": CONSISTENCY_TIMEOUT,
           **settings}
    stack = Stack(data_dir, env)
    try:
        for role in roles:
            await stack.start(role)
        stack.token = await output_of(
            "diptych token", "diptych", ["token", "--role", "admin", "--expires", TOKEN_LIFETIME],
            env)
        yield stack
    finally:
        failed = await stack.stop()
    if failed:
        raise ChaosError("; ".join(failed))
