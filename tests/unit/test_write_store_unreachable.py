"""A store that cannot be reached now is StoreUnavailable (WRITE_STORE_UNAVAILABLE for clients),
however the driver says so; a statement or data the store refuses is not.

The asyncpg errors are asyncpg's own classes, raised where asyncpg raises them (while connecting)
and wrapped by SQLAlchemy's real asyncpg adapter: during a PostgreSQL restart that wrapping gives a
plain DBAPIError, neither OperationalError nor `connection_invalidated`. tests/integration has
the same refusals from a real server.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from diptych.dispatch import CommandDispatcher
from tests.unit.memory_index import MemoryIndex
from workers.status_probe import StatusMonitor
from write.command_errors import StoreUnavailable
from write.handling import handle
from write.sqlalchemy.database import create_engine, is_unreachable, reaching_store
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.users.user_commands import RegisterUser

x = asyncpg.exceptions
NOWHERE = "postgresql+asyncpg://diptych@127.0.0.1:1/nowhere"  # never dialled: the creator raises

UNREACHABLE = [
    x.CannotConnectNowError("the database system is starting up"),  # 57P03
    x.CannotConnectNowError("the database system is shutting down"),
    x.AdminShutdownError("terminating connection due to administrator command"),  # 57P01
    x.CrashShutdownError("terminating connection due to crash of another server process"),
    x.IdleSessionTimeoutError("terminating connection due to idle-session timeout"),  # 57P05
    x.TooManyConnectionsError("sorry, too many clients already"),  # 53300
    x.ConnectionFailureError("connection failure"),  # 08006
    x.ConnectionDoesNotExistError("connection was closed in the middle of operation"),  # 08003
    x.ClientCannotConnectError("cannot connect"),  # 08001
    ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    ConnectionResetError(104, "Connection reset by peer"),
    OSError(101, "Network is unreachable"),
    TimeoutError(),  # asyncpg's connect timeout
]
REFUSED_STATEMENTS = [
    x.UniqueViolationError("duplicate key value violates unique constraint"),  # 23505
    x.DeadlockDetectedError("deadlock detected"),  # 40P01: a lost race, retried elsewhere
    x.UndefinedTableError('relation "events" does not exist'),  # 42P01: not migrated, a bug
    x.InvalidPasswordError("password authentication failed"),  # 28P01: misconfigured
    x.InvalidCatalogNameError('database "nowhere" does not exist'),  # 3D000
    x.QueryCanceledError("canceling statement due to statement timeout"),  # 57014
]


def refusing(error: BaseException) -> Callable[[], Awaitable[Any]]:
    async def connect() -> Any:
        raise error
    return connect


def engine_refusing(error: BaseException) -> AsyncEngine:
    return create_engine(NOWHERE, async_creator=refusing(error))


async def raised_connecting(engine: AsyncEngine) -> BaseException:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return error
    finally:
        await engine.dispose()
    raise AssertionError("the engine connected")


def ids(error: BaseException) -> str:
    return f"{type(error).__name__}:{getattr(error, 'sqlstate', '')}"


@pytest.mark.parametrize("refusal", UNREACHABLE, ids=ids)
async def test_a_driver_refusing_the_connection_means_the_store_is_unreachable(
    refusal: BaseException,
) -> None:
    raised = await raised_connecting(engine_refusing(refusal))
    assert is_unreachable(raised)


@pytest.mark.parametrize("refusal", REFUSED_STATEMENTS, ids=ids)
async def test_a_driver_refusing_what_was_asked_is_no_unreachable_store(
    refusal: BaseException,
) -> None:
    raised = await raised_connecting(engine_refusing(refusal))
    assert isinstance(raised, DBAPIError)
    assert not is_unreachable(raised)


async def test_a_restart_reaches_sqlalchemy_as_a_plain_dbapi_error_with_its_sqlstate() -> None:
    raised = await raised_connecting(engine_refusing(UNREACHABLE[0]))
    assert type(raised) is DBAPIError  # not OperationalError: why messages and classes mislead
    assert not raised.connection_invalidated
    assert getattr(raised.orig, "sqlstate", None) == "57P03"


def sqlite_error(code: int, message: str) -> Exception:
    """sqlite3's error as SQLAlchemy wraps it (an OperationalError), with the code sqlite3 sets."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error)


@pytest.mark.parametrize(("error", "unreachable"), [
    (sqlite_error(5, "database is locked"), True),  # SQLITE_BUSY, beyond the busy timeout
    (sqlite_error(14, "unable to open database file"), True),  # SQLITE_CANTOPEN
    (sqlite_error(10 | (3 << 8), "disk I/O error"), True),  # SQLITE_IOERR_WRITE, extended
    (sqlite_error(13, "database or disk is full"), True),
    (sqlite_error(1, "no such table: events"), False),  # SQLITE_ERROR: a bug
    (PoolTimeout("QueuePool limit of size 1 overflow 0 reached"), True),
    (ValueError("not a driver's"), False),
], ids=lambda v: str(v)[:30] if not isinstance(v, bool) else str(v))
def test_sqlite_and_pool_errors_are_told_apart_by_code(error: Exception, unreachable: bool) -> None:
    assert is_unreachable(error) is unreachable


def register(email: str = "ada@example.com") -> RegisterUser:
    return RegisterUser(name="Ada", email=email)


async def test_a_command_during_a_restart_fails_as_store_unavailable() -> None:
    engine = engine_refusing(x.CannotConnectNowError("the database system is starting up"))
    try:
        with pytest.raises(StoreUnavailable, match="the database system is starting up"):
            await handle(register(), SqlAlchemyUnitOfWork(engine, None))
    finally:
        await engine.dispose()


async def test_the_dispatcher_reports_an_unreachable_store_and_wakes_no_relay() -> None:
    woken: list[None] = []
    engine = engine_refusing(x.TooManyConnectionsError("sorry, too many clients already"))
    try:
        with pytest.raises(StoreUnavailable, match="too many clients"):
            dispatch = CommandDispatcher(engine, lambda: woken.append(None), notify_channel=None)
            await dispatch(register())
    finally:
        await engine.dispose()
    assert woken == []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_command_against_a_closed_port_fails_as_store_unavailable() -> None:
    engine = create_engine(f"postgresql+asyncpg://diptych@127.0.0.1:{closed_port()}/diptych")
    try:
        with pytest.raises(StoreUnavailable):
            await handle(register(), SqlAlchemyUnitOfWork(engine, None))
    finally:
        await engine.dispose()


async def test_a_sqlite_file_that_cannot_be_opened_is_store_unavailable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/write.db")
    try:
        with pytest.raises(StoreUnavailable, match="unable to open database file"):
            await handle(register(), SqlAlchemyUnitOfWork(engine, None))
    finally:
        await engine.dispose()
        # aiosqlite, failing to open a file, stops its worker thread without waiting for it; the
        # thread then reports to this event loop, which must still run, or a later test fails on
        # the thread's "Event loop is closed".
        for thread in threading.enumerate():
            if "_connection_worker_thread" in thread.name:
                await asyncio.to_thread(thread.join, 5)


async def test_a_store_without_its_tables_is_a_bug_not_an_outage(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/unmigrated.db")
    try:
        with pytest.raises(DBAPIError, match="no such table") as raised:
            await handle(register(), SqlAlchemyUnitOfWork(engine, None))
    finally:
        await engine.dispose()
    assert not isinstance(raised.value, StoreUnavailable)


async def test_the_status_monitor_reports_an_unreachable_store(tmp_path: Path) -> None:
    engine = engine_refusing(x.CannotConnectNowError("the database system is shutting down"))
    try:
        with pytest.raises(StoreUnavailable, match="shutting down"):
            await StatusMonitor(engine, MemoryIndex(), stall_after=30).status()
    finally:
        await engine.dispose()
    migrated = f"sqlite+aiosqlite:///{tmp_path}/write.db"
    await upgrade(migrated)
    engine = create_engine(migrated)
    try:
        assert (await StatusMonitor(engine, MemoryIndex(), stall_after=30).status()).lag_events == 0
    finally:
        await engine.dispose()


def test_other_errors_pass_through_the_store_boundary_unchanged() -> None:
    with pytest.raises(KeyError), reaching_store():
        raise KeyError("a bug")
    with pytest.raises(StoreUnavailable, match="Connect call failed"), reaching_store():
        raise ConnectionRefusedError(111, "Connect call failed")
