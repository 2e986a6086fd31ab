"""On PostgreSQL a command holds the rows it decides on without changing them: while an order is
being placed, its customer cannot be deactivated beside it (the deactivation waits)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.integration.commands import run
from tests.postgres import fresh_database
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork
from write.users.user import User
from write.users.user_commands import RegisterUser

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_url, "held") as url:
        await upgrade(url)
        yield url


async def test_a_held_customer_cannot_be_changed_until_the_order_commits(database: str) -> None:
    engine = create_engine(database)
    other = await asyncpg.connect(
        make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        ada = (await run(engine, RegisterUser("Ada", "ada@example.com"))).aggregate_id
        await other.execute("SET lock_timeout = '300ms'")
        async with SqlAlchemyUnitOfWork(engine, None) as uow:
            await uow.repository(User).load(ada, hold=True)  # as placeOrder holds its customer
            with pytest.raises(asyncpg.LockNotAvailableError):
                await other.execute(
                    "UPDATE users SET status = 'deactivated', version = version + 1 WHERE id = $1",
                    ada,
                )
        # Once the holder is done, the change goes through.
        await other.execute("UPDATE users SET version = version + 1 WHERE id = $1", ada)
    finally:
        await other.close()
        await engine.dispose()
