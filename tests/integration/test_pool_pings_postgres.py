"""A pooled PostgreSQL connection is pinged before use only after idling (database.py's
`_ping_when_idle`): one in steady use pays no ping, and one whose backend died while it idled
(as in a restart) is replaced by the ping, so the command that asked for it still succeeds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from write.sqlalchemy import database
from write.sqlalchemy.database import create_engine

pytestmark = pytest.mark.postgres


async def backend(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        pid: int = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        return pid


def counting_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pings: list[object] = []
    original = engine.dialect.do_ping

    def ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return original(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return pings


async def test_a_connection_in_steady_use_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    pings = counting_pings(engine, monkeypatch)
    try:
        pids = {await backend(engine) for _ in range(5)}
    finally:
        await engine.dispose()
    assert len(pids) == 1 and pings == []


async def test_a_connection_that_died_while_idle_is_replaced_before_the_command_uses_it(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(database, "PING_IDLE", 0.0)  # every reuse counts as after an idle spell
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    other = create_engine(postgres_url, pool_size=1, max_overflow=0)
    pings = counting_pings(engine, monkeypatch)
    try:
        first = await backend(engine)
        async with other.connect() as connection:  # the server ends that session, as a restart
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        second = await backend(engine)  # no error: the ping failed, a new connection was made
    finally:
        await engine.dispose()
        await other.dispose()
    assert second != first and len(pings) == 1
