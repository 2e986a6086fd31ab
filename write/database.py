"""One async engine for both write stores: SQLite (aiosqlite, WAL) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

CONNECT_TIMEOUT = 5  # seconds; an unreachable database fails a command quickly, never hangs it
SQLITE_BUSY_TIMEOUT_MS = 10_000


def create_engine(url: str, for_reading: bool = False, **options: Any) -> AsyncEngine:
    """`for_reading`: on SQLite, an engine of its own whose transactions take no write lock, so
    a reader (the relay reading the outbox) never queues behind writers; WAL lets it run beside
    them. On PostgreSQL readers never queue behind writers anyway, and it changes nothing."""
    if make_url(url).get_backend_name() == "sqlite":
        # SQLite has one writer at a time anyway. Several connections would take turns through
        # its busy handler, which sleeps in steps of up to 100 ms; one pooled connection makes
        # them queue on an asyncio queue instead, in order and without sleeping.
        options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30} | options
        engine = create_async_engine(url, **options)
        _configure_sqlite(engine, immediate=not for_reading)
        return engine
    return create_async_engine(
        url,
        pool_pre_ping=True,  # a restarted database costs one failed ping, not a failed command
        connect_args={"timeout": CONNECT_TIMEOUT},
        **options,
    )


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def _configure_sqlite(engine: AsyncEngine, immediate: bool) -> None:
    """WAL lets readers run beside the writer. BEGIN IMMEDIATE takes the write lock up front, so
    two transactions never both read and then fail to upgrade ("database is locked"); they queue
    on the busy timeout instead.
    (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl)
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
