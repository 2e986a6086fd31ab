"""Runs a command in its own unit of work and tells the relay that events were committed."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from write.commands import Command
from write.handlers import handle
from write.results import CommandResult
from write.sqlalchemy_uow import SqlAlchemyUnitOfWork


class CommandDispatcher:
    def __init__(self, engine: AsyncEngine, on_commit: Callable[[], None]) -> None:
        self._engine = engine
        self._on_commit = on_commit

    async def __call__(self, command: Command) -> CommandResult:
        result = await handle(command, SqlAlchemyUnitOfWork(self._engine))
        if result.position is not None:
            self._on_commit()
        return result
