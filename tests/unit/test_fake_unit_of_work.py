"""The unit-of-work contract on the in-memory fake: the unit tests' handlers run on a fake that
keeps the real store's promises (tests/contracts/unit_of_work_contract.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from tests.contracts.unit_of_work_contract import A, Outcome, StoreUnderTest, UnitOfWorkContract
from tests.unit.fakes import FakeStore, FakeUnitOfWork
from write.command_results import CommandResult
from write.handling import handle
from write.messages import Command


class InMemoryStore(StoreUnderTest):
    def __init__(self) -> None:
        self.store = FakeStore()

    async def run(self, command: Command) -> CommandResult:
        return await handle(command, FakeUnitOfWork(self.store))

    async def together(self, commands: Sequence[Command]) -> list[Outcome]:
        return await asyncio.gather(*(self.run(c) for c in commands), return_exceptions=True)

    async def log(self) -> list[dict[str, Any]]:
        # As the outbox reads rows back: the envelope of docs/events.md.
        return [
            {name: value for name, value in row.items()}
            | {"occurred_at": row["occurred_at"].isoformat()}
            for row in self.store.log
        ]

    async def stored(self, cls: type[A], id: str) -> A | None:
        return self.store.rows_of(cls).get(id)


class TestFakeUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def store(self) -> StoreUnderTest:
        return InMemoryStore()
