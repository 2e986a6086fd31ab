"""The real service for a scenario: `diptych serve` on a free port, and `diptych worker relay` and
`diptych worker projector` beside it when a broker is configured (as in production).

The harness calls it as a signed-in operator: once the API is healthy, `diptych token --role admin`
(with the service's own settings, so its data directory's embedded secret) gives `Service.token`,
which every HTTP request (bench/graphql.py) and WebSocket `connection_init`
(bench/subscriptions.py) sends as `Authorization: Bearer ...`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.processes import Process, free_port, output_of, spawn

# Long enough that a token query under load never gives up: a STALE_READ would abort the run.
CONSISTENCY_TIMEOUT = "30"
# Longer than any run: a token that expired mid-run would close the WebSocket with 4403.
TOKEN_LIFETIME = "1d"


@dataclass(frozen=True)
class Service:
    url: str  # http://127.0.0.1:PORT
    data_dir: Path
    separate_workers: bool
    token: str  # an admin's, signed with the service's embedded secret

    @property
    def authorization(self) -> dict[str, str]:
        """The `Authorization` header, and the WebSocket `connection_init` payload."""
        return {"Authorization": f"Bearer {self.token}"}

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
        token = await output_of("diptych token", "diptych",
                                ["token", "--role", "admin", "--expires", TOKEN_LIFETIME], env)
        yield Service(url, data_dir, separate, token)
    finally:
        failed = [p for p in reversed(processes) if await p.stop() != 0]
    if failed:
        raise failed[0].failure(f"exited with {failed[0].popen.returncode} when stopped")
