"""One async engine for both write stores: SQLite (aiosqlite, WAL) and PostgreSQL (asyncpg); and
the one place that tells, from a driver's error, that the store cannot be reached right now."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from write.command_errors import StoreUnavailable

CONNECT_TIMEOUT = 5  # seconds; an unreachable database fails a command quickly, never hangs it
SQLITE_BUSY_TIMEOUT_MS = 10_000

# The refusals that mean "the store cannot be reached now; later it may", by code rather than by
# message text. PostgreSQL: class 08 (connection exception), and the server turning sessions
# away: too many connections, shutting down (admin, crash), starting up or shutting down
# (cannot_connect_now: what a restart looks like), a session ended for being idle.
UNREACHABLE_SQLSTATE_CLASSES = frozenset({"08"})
UNREACHABLE_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03", "57P05"})
# SQLite's primary result codes for a file it cannot use now (busy or locked beyond the busy
# timeout, unopenable, read-only, full, failing I/O). SQLITE_ERROR (a missing table, bad SQL) is
# not among them: that is a bug.
UNREACHABLE_SQLITE_CODES = frozenset({
    sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PROTOCOL,
})


POOL_SIZE, POOL_OVERFLOW = 10, 10  # PostgreSQL connections per engine: kept, and at peaks
PING_IDLE = 1.0  # seconds a pooled connection may idle before it is pinged at its next use
IDLE_SINCE = "diptych_idle_since"


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
    engine = create_async_engine(
        url,
        connect_args={"timeout": CONNECT_TIMEOUT},
        # Kept open: beyond pool_size a connection is opened for one command and closed after
        # it (SQLAlchemy's overflow), which under load made every few commands pay a new
        # PostgreSQL backend. Ten cover the API's concurrent commands, the relay and the status.
        **({"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW} | options),
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection before use only if it sat idle for PING_IDLE seconds or more.

    SQLAlchemy's `pool_pre_ping` pings at every checkout, and asyncpg's ping is three round
    trips (BEGIN, `;`, ROLLBACK): under load that was a tenth of the API's and the relay's
    time. A restarted database still costs a failed ping, not a failed command, for a
    connection that idled through the restart; one returned within the last second (a
    restart under load) fails its command, which gets WRITE_STORE_UNAVAILABLE, and SQLAlchemy
    then replaces every pooled connection. The checkout handler is SQLAlchemy's documented
    "pessimistic" recipe: DisconnectionError makes the pool connect anew (up to three times)."""
    pool_events = engine.sync_engine

    @event.listens_for(pool_events, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        if record is not None:  # None: a connection the pool dropped rather than kept
            record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool_events, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(IDLE_SINCE)  # none on a connection new from the database
        if since is None or time.monotonic() - since < PING_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"a pooled connection failed its ping: {error}") from error


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


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` says the write store cannot be reached now, rather than that a statement
    or the data is wrong. Drivers raise these three ways: an OS error or timeout as it is (asyncpg
    while connecting), a driver error wrapped by SQLAlchemy, or SQLAlchemy's own verdict that it
    lost the connection (`connection_invalidated`); and the pool may time out waiting for one."""
    if isinstance(error, OSError | TimeoutError):  # refused, reset, no route, connect timeout
        return True
    if isinstance(error, PoolTimeout):  # every pooled connection stayed busy: overloaded
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error.orig, OSError | TimeoutError):
        return True
    state = sqlstate(error)
    if state is not None:
        return state[:2] in UNREACHABLE_SQLSTATE_CLASSES or state in UNREACHABLE_SQLSTATES
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in UNREACHABLE_SQLITE_CODES  # extended codes keep the primary's
    # No code at all: a client-side driver error. These two classes are the ones drivers use
    # for connections that are closed or broken.
    return isinstance(error, OperationalError | InterfaceError)


def sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE of a PostgreSQL error (asyncpg's adapter calls it `sqlstate`, psycopg
    `pgcode`); None for other databases."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code if isinstance(code, str) else None


def unavailable(error: BaseException) -> StoreUnavailable:
    """StoreUnavailable for an unreachable store, with the first line of the driver's reason."""
    return StoreUnavailable((str(error).splitlines() or [type(error).__name__])[0])


@contextlib.contextmanager
def reaching_store() -> Iterator[None]:
    """Raises StoreUnavailable, from the driver's error, when the block could not reach the
    write store; any other error passes unchanged."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        if is_unreachable(error):
            raise unavailable(error) from error
        raise
