"""A poison event, made for real, and the operator's way out of it.

`inject` does what a buggy writer would: in one transaction of the write store it bumps a user's
version and appends a `UserRenamed` event at that version whose payload misspells its one field
(`nmae`), so the projection of it raises (KeyError) on every projector, every time; the relay
publishes it like any other. Two renames through GraphQL follow it, which must wait parked
behind it. `repair` is the operator's data fix: the event row's payload as the event contract
has it (docs/events.md). Then `diptych parked retry --all` replays what is parked.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.graphql import GraphQLClient
from bench.processes import output_of
from chaos import fault_run
from chaos.chaos_scenario import ChaosError, Outcome
from chaos.fault_run import Run
from write.sqlalchemy.outbox import notify_channel_of
from write.sqlalchemy.tables import events, users
from write.users.user_events import UserRenamed

RENAME = """
mutation($id: ID!, $name: String!) {
  renameUser(input: {id: $id, name: $name}) {
    __typename ... on UserRenamed { version } ... on Error { message }
  }
}"""
PARKED = "query { projectionStatus { parked { count aggregates } } }"
FIXED_NAME = "Poisoned Then Repaired"
RETRY_TIMEOUT = 15.0  # projectors look for retried events every 2 s
AFTER_RETRY = RETRY_TIMEOUT + 5.0  # the final audit's bound, from the retry


@dataclass(frozen=True)
class Poison:
    event_id: str
    user_id: str
    version: int  # the user's version the poison event has


async def inject(engine: AsyncEngine, user_id: str) -> Poison:
    """Append the unprojectable event to `user_id`'s history, its version bumped to match."""
    event_id = str(uuid.uuid4())
    async with engine.begin() as connection:
        version = (await connection.execute(
            select(users.c.version).where(users.c.id == user_id).with_for_update())).scalar_one()
        await connection.execute(update(users).where(users.c.id == user_id).values(
            version=version + 1, name=FIXED_NAME))
        await connection.execute(events.insert().values(
            event_id=event_id, type="UserRenamed", schema_version=UserRenamed.SCHEMA_VERSION,
            aggregate_type="User", aggregate_id=user_id, aggregate_version=version + 1,
            occurred_at=datetime.now(UTC), payload={"nmae": FIXED_NAME}, published_at=None))
        channel = notify_channel_of(engine)
        if channel is not None:  # wake the relay at once, as every commit does
            await connection.execute(text(f"NOTIFY {channel}"))
    return Poison(event_id, user_id, version + 1)


async def rename_after(graphql: GraphQLClient, poison: Poison, times: int = 2) -> int:
    """Rename the poisoned user `times` through the API; the version reached."""
    version = poison.version
    for turn in range(times):
        answer = (await graphql(RENAME, id=poison.user_id,
                                name=f"Renamed After Poison {turn}"))["renameUser"]
        if answer["__typename"] != "UserRenamed":
            raise ChaosError(f"renaming the poisoned user was refused: {answer}")
        version = int(answer["version"])
    return version


async def repair(engine: AsyncEngine, poison: Poison) -> None:
    """The operator's data fix: the row's payload as the event contract has it."""
    async with engine.begin() as connection:
        await connection.execute(update(events).where(events.c.event_id == poison.event_id)
                                 .values(payload={"name": FIXED_NAME}))


async def parked_count(graphql: GraphQLClient) -> tuple[int, int]:
    """projectionStatus's parked events and the aggregates they hold back."""
    parked = (await graphql(PARKED))["projectionStatus"]["parked"]
    return int(parked["count"]), int(parked["aggregates"])


async def cli(env: Mapping[str, str], *args: str) -> str:
    """`diptych parked args...` with the service's settings; what it printed."""
    return await output_of(f"diptych parked {' '.join(args)}", "diptych", ["parked", *args], env)


async def heal(run: Run, poison: Poison, renamed_to: int, written: float) -> float:
    """After the stream: every other aggregate converges while the poisoned user's events wait
    parked and are reported so; then the repair and `diptych parked retry --all`. When the
    retry was asked (time.monotonic()), the point the final audit measures convergence from."""
    held = renamed_to - poison.version + 1  # the poison and the renames behind it
    found, converge_s = await fault_run.converged(run, written)
    counted = await parked_count(run.graphql)
    listed = await cli(run.stack.env, "list")
    run.notes.append(
        f"poison event {poison.event_id} (UserRenamed without its `name`, written straight into "
        f"the events table at User {poison.user_id} version {poison.version}) and {held - 1} "
        f"renames behind it: the rest converged in "
        f"{'never' if converge_s is None else f'{converge_s:.2f} s'} with "
        f"{found.parked} event(s) parked apart, none lost; projectionStatus.parked: "
        f"{counted[0]} event(s) of {counted[1]} aggregate(s); `diptych parked list` shows "
        f"{sum(poison.user_id in line for line in listed.splitlines())}")
    if (found.parked, counted) != (held, (held, 1)) or poison.event_id not in listed:
        run.findings.append(f"expected {held} events of 1 aggregate parked; the audit found "
                            f"{found.parked}, projectionStatus {counted}; `diptych parked list`:"
                            f"\n{listed}")
    await repair(run.engine, poison)
    asked = time.monotonic()
    await cli(run.stack.env, "retry", "--all")
    while time.monotonic() - asked < RETRY_TIMEOUT and (await parked_count(run.graphql))[0]:
        await asyncio.sleep(0.5)
    left = await parked_count(run.graphql)
    if left[0]:
        line = next((line for line in (await cli(run.stack.env, "list")).splitlines()
                     if poison.event_id in line), "(the poison is not listed)")
        run.findings.append(
            f"after the row's repair and `diptych parked retry --all`, {left[0]} event(s) "
            f"stayed parked {RETRY_TIMEOUT:g} s later; `diptych parked list` says of the "
            f"poison: {' '.join(line.split())}")
    else:
        run.notes.append(f"after the row's repair, `diptych parked retry --all` released them "
                         f"in {time.monotonic() - asked:.1f} s")
    return asked


async def healed_row(run: Run, name: str, poisoned: tuple[Poison, int], written: float) -> Outcome:
    """`heal` the stream's poison, then the scenario's row: every event converged, the poisoned
    aggregate's too, from the retry on; any process of the stack that died is a finding."""
    asked = await heal(run, *poisoned, written)
    run.findings.extend(run.stack.dead())
    return (await fault_run.audited(run, name, asked, AFTER_RETRY, parked_apart=False))[1]
