"""Runs a command in its own unit of work and tells the relay that events were committed.

The unit of work reports an unreachable store as StoreUnavailable already; the dispatcher says so
too for anything else on the way that reaches the database, so that the API only ever sees the
typed error (WRITE_STORE_UNAVAILABLE), never a driver's."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from write.command_results import CommandResult
from write.commands import Command
from write.handling import handle
from write.sqlalchemy.database import reaching_store
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork


class CommandDispatcher:
    def __init__(self, engine: AsyncEngine, on_commit: Callable[[], None]) -> None:
        self._engine = engine
        self._on_commit = on_commit

    async def __call__(self, command: Command) -> CommandResult:
        with reaching_store():
            result = await handle(command, SqlAlchemyUnitOfWork(self._engine))
        if result.position is not None:
            self._on_commit()
        return result
