"""Runs a command in its own unit of work and tells the relay that events were committed.

The unit of work reports an unreachable store as StoreUnavailable already; the dispatcher says so
too for anything else on the way that reaches the database, so that the API only ever sees the
typed error (WRITE_STORE_UNAVAILABLE), never a driver's."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from write.command_results import CommandResult
from write.handling import handle
from write.messages import Command
from write.sqlalchemy.database import reaching_store
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork


class CommandDispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        on_commit: Callable[[], None],
        notify_channel: str | None,
    ) -> None:
        """`notify_channel`: the PostgreSQL channel each commit notifies for relays elsewhere."""
        self._engine = engine
        self._on_commit = on_commit
        self._notify_channel = notify_channel

    async def __call__(self, command: Command) -> CommandResult:
        with reaching_store():
            result = await handle(command, SqlAlchemyUnitOfWork(self._engine, self._notify_channel))
        if result.position is not None:
            self._on_commit()
        return result
