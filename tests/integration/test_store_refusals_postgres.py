"""A real PostgreSQL turning sessions away: commands and the status fail as StoreUnavailable.

The server refuses a role over its connection limit with SQLSTATE 53300 while connecting, the way
it refuses everyone with 57P03 (CannotConnectNowError) while it restarts: both reach SQLAlchemy as
a plain DBAPIError, neither OperationalError nor `connection_invalidated`, which the unit of work
used to let through as a bug ("Unexpected error."). A restart itself cannot be staged on a shared
server; tests/unit/test_write_store_unreachable.py raises asyncpg's CannotConnectNowError through
the same adapter.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.postgres import fresh_database
from tests.unit.memory_index import MemoryIndex
from workers.status_probe import StatusMonitor
from write.aggregate import Aggregate
from write.command_errors import StoreUnavailable
from write.event_records import EventRecord
from write.handling import handle
from write.sqlalchemy.database import create_engine, is_unreachable
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.users.user_commands import RegisterUser

pytestmark = pytest.mark.postgres


def dsn(url: str, database: str | None = None) -> str:
    """asyncpg's form of a SQLAlchemy URL."""
    plain = make_url(url).set(drivername="postgresql")
    return (plain.set(database=database) if database else plain).render_as_string(
        hide_password=False
    )


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_url, "refusals") as url:
        await upgrade(url)
        yield url


@pytest.fixture
async def refused_url(postgres_url: str, database: str) -> AsyncIterator[str]:
    """The fresh database's URL for a role the server lets in zero times."""
    role = f"diptych_refused_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(dsn(postgres_url, "postgres"))
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
        yield make_url(database).set(username=role, password=None).render_as_string(
            hide_password=False
        )
    finally:
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def refusal(url: str) -> DBAPIError:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        return error
    finally:
        await engine.dispose()
    raise AssertionError("the server let the role in")


async def test_a_server_turning_the_session_away_reaches_sqlalchemy_as_a_plain_dbapi_error(
    refused_url: str,
) -> None:
    refused = await refusal(refused_url)
    assert type(refused) is DBAPIError
    assert not refused.connection_invalidated
    assert getattr(refused.orig, "sqlstate", None) == "53300"
    assert is_unreachable(refused)


async def test_a_command_the_server_turns_away_fails_as_store_unavailable(
    refused_url: str,
) -> None:
    engine = create_engine(refused_url)
    try:
        with pytest.raises(StoreUnavailable, match="too many connections"):
            await handle(RegisterUser(name="Ada", email="ada@example.com"),
                         SqlAlchemyUnitOfWork(engine, None))
        with pytest.raises(StoreUnavailable, match="too many connections"):
            await StatusMonitor(engine, MemoryIndex(), stall_after=30).status()
    finally:
        await engine.dispose()


class TerminatedBeforeCommit(SqlAlchemyUnitOfWork):
    """Its session is ended by an administrator (pg_terminate_backend: 57P01) just before COMMIT,
    as a server shutting down ends every session."""

    def __init__(self, engine: AsyncEngine, admin_dsn: str) -> None:
        super().__init__(engine, None)
        self._admin_dsn = admin_dsn

    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        session = self._require_session()
        pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = await asyncpg.connect(self._admin_dsn)
        try:
            await admin.execute("SELECT pg_terminate_backend($1, 5000)", pid)
        finally:
            await admin.close()
        return await super()._commit(touched, records)


async def test_a_session_ended_by_the_server_mid_command_fails_as_store_unavailable(
    postgres_url: str, database: str
) -> None:
    engine = create_engine(database)
    try:
        uow = TerminatedBeforeCommit(engine, dsn(postgres_url, "postgres"))
        with pytest.raises(StoreUnavailable):
            await handle(RegisterUser(name="Ada", email="ada@example.com"), uow)
        # The same email registers afresh, so the first attempt wrote nothing; and the pool
        # recovers by itself.
        retried = await handle(RegisterUser(name="Ada", email="ada@example.com"),
                               SqlAlchemyUnitOfWork(engine, None))
        assert retried.version == 1
    finally:
        await engine.dispose()
