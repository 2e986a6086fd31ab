"""A scratch PostgreSQL server of the run's own, which a scenario may stop and start at will.

`initdb` and `pg_ctl` of the installed PostgreSQL (/usr/lib/postgresql/*/bin) make a cluster in
a temporary directory and serve it on a free port of 127.0.0.1, with trust authentication and
its socket in that directory. The machine's own server (CI's, port 5432) is never touched: no
`pg_ctlcluster`, another port, another data directory. PostgreSQL refuses to run as root, so as
root the cluster belongs to, and runs as, the `postgres` account (DIPTYCH_CHAOS_POSTGRES_USER
names another); the directory is removed on exit.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.processes import free_port
from chaos.chaos_scenario import ChaosError, NotRun

BIN_GLOB = "/usr/lib/postgresql/*/bin"
TIMEOUT = 60.0


@dataclass(frozen=True)
class ScratchPostgres:
    bin: Path
    directory: Path
    port: int
    user: str | None  # the account it runs as, when we are root

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        """`pg_ctl args...` on this cluster, as its owner; a ChaosError if it fails."""
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-w", "-t", f"{TIMEOUT:g}",
                  *args)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        self.ctl("-l", str(self.directory / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-m", mode, "stop")

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([str(self.bin / tool), *args], capture_output=True, text=True,
                              check=False, user=self.user, timeout=TIMEOUT + 10,
                              cwd=self.directory)
        if done.returncode != 0:
            raise ChaosError(f"`{tool} {' '.join(args)}` failed: {done.stderr.strip()[-500:]}")


def postgres_bin() -> Path:
    for candidate in sorted(glob.glob(BIN_GLOB), reverse=True):
        if all((Path(candidate) / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(candidate)
    raise NotRun(f"PostgreSQL's server programs are not installed ({BIN_GLOB}/initdb, pg_ctl)")


@contextlib.contextmanager
def running() -> Iterator[ScratchPostgres]:
    """A started scratch server; stopped (immediately) and deleted on exit."""
    user = None
    if os.geteuid() == 0:
        user = os.environ.get("DIPTYCH_CHAOS_POSTGRES_USER", "postgres")
        try:
            owner = pwd.getpwnam(user)
        except KeyError:
            raise NotRun(f"PostgreSQL will not run as root, and there is no account {user!r} "
                         "to run it as (set DIPTYCH_CHAOS_POSTGRES_USER)") from None
    directory = Path(tempfile.mkdtemp(prefix="diptych-chaos-postgres-"))
    if user is not None:
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    server = ScratchPostgres(postgres_bin(), directory, free_port(), user)
    try:
        server._run("initdb", "-D", str(directory / "data"), "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8")
        server.start()
        yield server
    finally:
        with contextlib.suppress(ChaosError, subprocess.TimeoutExpired):
            server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
