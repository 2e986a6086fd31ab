"""Runs a command's handler, found in the aggregates' declarations (write/aggregate_kinds.py),
retrying it when a concurrent command moved what it decided on."""

from __future__ import annotations

import random

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from write.aggregate_kinds import routes
from write.command_errors import ConcurrentUpdate
from write.command_results import CommandResult
from write.identifiers import aggregate_id
from write.messages import Command
from write.unit_of_work import UnitOfWork

RETRIES = 5  # a command is tried this often against concurrent updates (see `handle`)
BACKOFF = 0.005  # seconds; attempt n waits up to n times this, at random, so rivals spread out


async def handle(command: Command, uow: UnitOfWork) -> CommandResult:
    """Run the command's handler. A concurrent update is retried (the command then applies to the
    newer state) unless the client pinned `expectedVersion` of the aggregate that moved, in which
    case it is the answer."""
    handler = routes()[type(command)]
    retrying = AsyncRetrying(
        stop=stop_after_attempt(RETRIES),
        wait=_spread,
        retry=retry_if_exception(
            lambda error: isinstance(error, ConcurrentUpdate) and not _pinned(command, error)
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await handler(command, uow)
    raise AssertionError("unreachable")


def _spread(state: RetryCallState) -> float:
    return random.uniform(0, BACKOFF * state.attempt_number)


def _pinned(command: Command, conflict: ConcurrentUpdate) -> bool:
    """Whether the client fixed the version of the aggregate that moved. Another aggregate the
    command touches (a product whose stock a cancelled order gives back) may move freely: the
    retry checks the pinned version again."""
    if getattr(command, "expected_version", None) is None:
        return False
    return aggregate_id(getattr(command, "id", "")) == conflict.id
