"""PostGraphile 5, the peer of the `peers` scenario: installed from npm on first use, then run on
a scratch database as its users run it (the `postgraphile` CLI, the Amber preset and the
connection-filter plugin, bench/peers/postgraphile/graphile.config.mjs).

The versions are pinned by bench/peers/postgraphile/package.json and its package-lock.json (one
graphql@16 in node_modules, by npm `overrides`); `npm ci` installs exactly that lock into
`~/.cache/diptych-bench/postgraphile/<hash of the lock>` (DIPTYCH_BENCH_CACHE moves the cache), so
a changed lock installs afresh and an unchanged one is installed once. On Node 20, which has no
`Promise.withResolvers`, a polyfill is loaded first with NODE_OPTIONS=--require.

Without node or npm, or when the install fails, the scenario is not run (`NotRun`, with why).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from bench.errors import NotRun
from bench.processes import Process, free_port, spawn_program

SOURCE = Path(__file__).resolve().parent / "peers" / "postgraphile"
FILES = ("package.json", "package-lock.json", "graphile.config.mjs", "promise-with-resolvers.cjs")
INSTALL_TIMEOUT = 600.0  # seconds: a first `npm ci` on a slow line
STARTED = "Server listening on port"


@dataclass(frozen=True)
class Installation:
    directory: Path  # package.json, the lock, node_modules and the config
    node: str  # the node executable
    version: str  # PostGraphile's, as installed

    @property
    def cli(self) -> Path:
        return self.directory / "node_modules" / "postgraphile" / "dist" / "cli-run.js"


def cache_root() -> Path:
    configured = os.environ.get("DIPTYCH_BENCH_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "diptych-bench"


def tools() -> tuple[str, str]:
    """node and npm, or NotRun naming the one missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = "node" if node is None else "npm"
        raise NotRun(f"it needs Node.js and npm to install PostGraphile; {missing} is not on PATH")
    return node, npm


async def install() -> Installation:
    """PostGraphile as the lock pins it, installed with `npm ci` unless it already is."""
    node, npm = tools()
    lock = (SOURCE / "package-lock.json").read_bytes()
    directory = cache_root() / "postgraphile" / hashlib.sha256(lock).hexdigest()[:16]
    stamp = directory / ".installed"
    directory.mkdir(parents=True, exist_ok=True)
    for name in FILES:  # the config and polyfill too: they may change without the lock
        shutil.copyfile(SOURCE / name, directory / name)
    if not stamp.exists():
        await _npm_ci(npm, directory)
        stamp.touch()
    installation = Installation(directory, node, _installed_version(directory))
    if not installation.cli.exists():
        raise NotRun(f"the PostGraphile install in {directory} has no {installation.cli.name}; "
                     f"delete {directory} to install it again")
    return installation


async def _npm_ci(npm: str, directory: Path) -> None:
    child = await asyncio.create_subprocess_exec(
        npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=directory,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(), INSTALL_TIMEOUT)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise NotRun(f"`npm ci` of PostGraphile did not finish within {INSTALL_TIMEOUT:g}s"
                     ) from None
    if child.returncode != 0:
        tail = " | ".join(out.decode(errors="replace").strip().splitlines()[-3:])
        raise NotRun(f"`npm ci` of PostGraphile failed ({child.returncode}): {tail}")


def _installed_version(directory: Path) -> str:
    manifest = directory / "node_modules" / "postgraphile" / "package.json"
    try:
        version: str = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"
    return version


def libpq_url(database_url: str) -> str:
    """A postgresql+asyncpg:// URL as node-postgres takes it (postgres://...)."""
    url = make_url(database_url).set(drivername="postgres")
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Server:
    graphql: str  # http://127.0.0.1:PORT/graphql
    process: Process


@contextlib.asynccontextmanager
async def running(installation: Installation, database_url: str, log: Path
                  ) -> AsyncIterator[Server]:
    """`postgraphile -C graphile.config.mjs -c <database> -s public` on a free port, in
    production mode; stopped on exit."""
    port = free_port()
    polyfill = installation.directory / "promise-with-resolvers.cjs"
    env = {
        "NODE_ENV": "production",
        "NODE_OPTIONS": f"--require {polyfill}",
    }
    args = [str(installation.cli), "-C", str(installation.directory / "graphile.config.mjs"),
            "-c", libpq_url(database_url), "-s", "public", "-n", "127.0.0.1", "-p", str(port)]
    process = spawn_program("postgraphile", installation.node, args, env, log,
                            cwd=installation.directory)
    try:
        await process.wait_for_output(STARTED)
        server = Server(f"http://127.0.0.1:{port}/graphql", process)
        await _answers(server)
        yield server
    finally:
        await process.stop()


async def _answers(server: Server, timeout: float = 60) -> None:
    """Until a trivial query is answered (the schema is built lazily on the first request)."""
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.post(server.graphql, json={"query": "{ __typename }"})
    if response.status_code != 200 or response.json().get("errors"):
        raise server.process.failure(f"answered {response.status_code}: {response.text[:500]}")
