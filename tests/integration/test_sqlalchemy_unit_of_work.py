"""The unit-of-work contract on the real store: SQLite, and PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.contracts.unit_of_work_contract import A, Outcome, StoreUnderTest, UnitOfWorkContract
from tests.integration.commands import run, together
from write.command_results import CommandResult
from write.messages import Command
from write.sqlalchemy.outbox import read_log
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork


class SqlAlchemyStore(StoreUnderTest):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def run(self, command: Command) -> CommandResult:
        return await run(self.engine, command)

    async def together(self, commands: Sequence[Command]) -> list[Outcome]:
        return await together(self.engine, commands)

    async def log(self) -> list[dict[str, Any]]:
        return await read_log(self.engine, 0, 10_000)

    async def stored(self, cls: type[A], id: str) -> A | None:
        async with SqlAlchemyUnitOfWork(self.engine, None) as uow:
            return await uow.repository(cls).get(id)


class TestSqlAlchemyUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def store(self, engine: AsyncEngine) -> StoreUnderTest:
        return SqlAlchemyStore(engine)
