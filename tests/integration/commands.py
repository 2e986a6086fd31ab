"""Running real commands against a real write store, one at a time or all at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from write.command_results import CommandResult
from write.handling import handle
from write.messages import Command
from write.sqlalchemy.outbox import notify_channel_of
from write.sqlalchemy.sqlalchemy_uow import SqlAlchemyUnitOfWork

Outcome = CommandResult | BaseException


async def run(engine: AsyncEngine, command: Command) -> CommandResult:
    return await handle(command, SqlAlchemyUnitOfWork(engine, notify_channel_of(engine)))


async def together(engine: AsyncEngine, commands: Sequence[Command]) -> list[Outcome]:
    """Run the commands concurrently, each through its own unit of work (its own connection)."""
    return await asyncio.gather(*(run(engine, cmd) for cmd in commands), return_exceptions=True)
