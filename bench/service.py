"""The real service for a scenario: `diptych serve` on a free port, and `diptych worker relay` and
`diptych worker projector` beside it when a broker is configured (as in production)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.processes import Process, free_port, spawn

# Long enough that a token query under load never gives up: a STALE_READ would abort the run.
CONSISTENCY_TIMEOUT = "30"


@dataclass(frozen=True)
class Service:
    url: str  # http://127.0.0.1:PORT
    data_dir: Path
    separate_workers: bool

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


@contextlib.asynccontextmanager
async def running(data_dir: Path, settings: Mapping[str, str]) -> AsyncIterator[Service]:
    """Start the service with these DIPTYCH_* settings (and its data under `data_dir`); stop every
    process on exit, the API first, as `docker compose down` would."""
    env = {
        "DIPTYCH_DATA_DIR": str(data_dir),
        "DIPTYCH_CONSISTENCY_TIMEOUT": CONSISTENCY_TIMEOUT,
        **settings,
    }
    separate = "DIPTYCH_AMQP_URL" in env
    logs = data_dir / "logs"
    processes: list[Process] = []
    try:
        if separate:
            projector = spawn("diptych worker projector", "diptych", ["worker", "projector"], env,
                              logs / "projector.log")
            processes.append(projector)
            await projector.wait_for_output("consuming")
            relay = spawn("diptych worker relay", "diptych", ["worker", "relay"], env,
                          logs / "relay.log")
            processes.append(relay)
            await relay.wait_for_output("this relay is now the active one")
        port = free_port()
        api = spawn("diptych serve", "diptych", ["serve", "--port", str(port)], env,
                    logs / "api.log")
        processes.append(api)
        url = f"http://127.0.0.1:{port}"
        await api.wait_healthy(f"{url}/health")
        yield Service(url, data_dir, separate)
    finally:
        failed = [p for p in reversed(processes) if await p.stop() != 0]
    if failed:
        raise failed[0].failure(f"exited with {failed[0].popen.returncode} when stopped")
