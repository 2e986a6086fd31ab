"""Where a run's write store and broker come from.

Without settings: the embedded defaults (SQLite files and the in-process broker). With
DIPTYCH_DATABASE_URL naming a PostgreSQL server and/or DIPTYCH_AMQP_URL naming a RabbitMQ broker:
those, but never the data in them. Every scenario gets scratch databases (created and dropped
again on that server) and broker names under a prefix of its own (deleted afterwards).
DIPTYCH_ELASTICSEARCH_URL is not used: every run indexes with tantivy.

A scenario that only means something on PostgreSQL (crud-vs-cqrs) asks `on_postgres()`: the
run's own server, else the one DIPTYCH_BENCH_POSTGRES_URL names (for its scratch database only).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import aio_pika
import asyncpg
from sqlalchemy.engine import make_url

from bench.errors import BenchError
from workers.rabbitmq import rabbitmq_topology as topology
from workers.rabbitmq.rabbitmq_topology import Names
from write.sqlalchemy.migrate import upgrade

DEFAULT_SHARDS = "4"


@dataclass(frozen=True)
class Backends:
    postgres: str | None = None  # a postgresql+asyncpg:// URL: its server hosts scratch databases
    amqp: str | None = None
    shards: int = int(DEFAULT_SHARDS)
    bench_postgres: str | None = None  # DIPTYCH_BENCH_POSTGRES_URL, as postgresql+asyncpg://

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Backends:
        database = env.get("DIPTYCH_DATABASE_URL")
        postgres = database if database and make_url(database).get_backend_name() == (
            "postgresql") else None
        shards = int(env.get("DIPTYCH_SHARDS") or DEFAULT_SHARDS)
        return cls(postgres=postgres, amqp=env.get("DIPTYCH_AMQP_URL") or None, shards=shards,
                   bench_postgres=_asyncpg(env.get("DIPTYCH_BENCH_POSTGRES_URL")))

    def on_postgres(self) -> Backends | None:
        """These backends with a PostgreSQL write store: the run's own, else the server of
        DIPTYCH_BENCH_POSTGRES_URL; None when neither is set."""
        if self.postgres is not None:
            return self
        if self.bench_postgres is not None:
            return dataclasses.replace(self, postgres=self.bench_postgres)
        return None

    async def describe(self) -> dict[str, str]:
        write_store = "SQLite (aiosqlite, WAL), a file per scratch database"
        if self.postgres is not None:
            url = make_url(self.postgres)
            server = await _admin(self.postgres, "SHOW server_version")
            write_store = f"PostgreSQL {server} at {url.host}:{url.port or 5432} (asyncpg)"
        broker = "in-process (inside `diptych serve`)"
        if self.amqp is not None:
            url = make_url(self.amqp)
            broker = (f"RabbitMQ at {url.host}:{url.port or 5672}, {self.shards} shards; relay "
                      "and projector as separate processes")
        index = f"tantivy {version('tantivy')}"
        return {"write_store": write_store, "broker": broker, "index": index}

    @contextlib.asynccontextmanager
    async def database(self, directory: Path, name: str) -> AsyncIterator[str]:
        """The URL of a migrated, empty write store, dropped on exit (a file under `directory`
        on the embedded default)."""
        if self.postgres is None:
            directory.mkdir(parents=True, exist_ok=True)
            url = f"sqlite+aiosqlite:///{directory / name}.db"
            await upgrade(url)
            yield url
            return
        scratch = f"diptych_bench_{name}_{uuid.uuid4().hex[:8]}"
        await _admin(self.postgres, f'CREATE DATABASE "{scratch}"')
        url = make_url(self.postgres).set(database=scratch).render_as_string(hide_password=False)
        try:
            await upgrade(url)
            yield url
        finally:
            await _admin(self.postgres, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')

    @contextlib.asynccontextmanager
    async def broker(self) -> AsyncIterator[dict[str, str]]:
        """The broker settings of one deployment: names of its own, deleted on exit."""
        if self.amqp is None:
            yield {}
            return
        names = Names(f"diptych-bench-{uuid.uuid4().hex[:8]}")
        try:
            yield {
                "DIPTYCH_AMQP_URL": self.amqp,
                "DIPTYCH_AMQP_PREFIX": names.prefix,
                "DIPTYCH_SHARDS": str(self.shards),
            }
        finally:
            await _delete_names(self.amqp, names, self.shards)


def _asyncpg(url: str | None) -> str | None:
    if not url:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise BenchError(f"DIPTYCH_BENCH_POSTGRES_URL must name a PostgreSQL server, got "
                         f"{parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


async def _admin(server_url: str, sql: str) -> str | None:
    """Run `sql` on the server's maintenance database (never on one that is dropped); the first
    value it answers, if it is a query."""
    admin = make_url(server_url).set(drivername="postgresql", database="postgres")
    try:
        connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    except (OSError, asyncpg.PostgresError) as error:
        where = f"{admin.host}:{admin.port or 5432}"
        raise BenchError(f"cannot reach PostgreSQL at {where}: {error}") from error
    try:
        if sql.startswith("SHOW"):
            return str(await connection.fetchval(sql))
        await connection.execute(sql)  # CREATE/DROP DATABASE: the simple protocol, no transaction
        return None
    finally:
        await connection.close()


async def _delete_names(amqp_url: str, names: Names, shards: int) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        await topology.delete(await connection.channel(), names, shards)
