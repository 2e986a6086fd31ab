"""Review of #13's "one policy for every kind of bad message": an event that cannot be parsed.

- `Projector._events` catches only MalformedEvent, but `parse` runs the upcasters outside its
  own try: an upcaster that raises for some old payload (a bug that data triggers, exactly what
  parking is for) escapes `apply`, and RabbitMQ's shard consumer retries the batch for ever.
- `Projector._fill` parses what the log returns with no parking at all: an event parked as "no
  event" (aggregate unknown, so its aggregate is not held back) is met again by the gap fill of
  the aggregate's next event, and the MalformedEvent stops the shard the same way.

Real SQLite (and PostgreSQL when configured) and a real tantivy index."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read import upcasters
from read.event_envelope import MalformedEvent
from read.projection.user_documents import USER
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from write.sqlalchemy import outbox, parked_store
from write.users.user_commands import RegisterUser, RenameUser


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    yield index
    await index.close()


async def name_of(index: TantivyIndex, id_: str) -> object:
    document = await index.get(USER, id_)
    return document.body["name"] if document else None


def upcaster_failing_for(monkeypatch: pytest.MonkeyPatch, name: str, error: Exception) -> None:
    """An upcaster of UserRenamed version 1 that raises for one payload, and is a no-op
    otherwise (it stops at version 2, which no step follows)."""

    def step(payload: Mapping[str, Any]) -> Mapping[str, Any]:
        if payload["name"] == name:
            raise error
        return payload

    monkeypatch.setitem(upcasters.UPCASTERS, ("UserRenamed", 1), step)


async def users(engine: AsyncEngine) -> tuple[str, str]:
    ada = (await run(engine, RegisterUser("Ada", "ada@example.com"))).aggregate_id
    bob = (await run(engine, RegisterUser("Bob", "bob@example.com"))).aggregate_id
    return ada, bob


async def test_an_upcaster_that_raises_parks_the_event_and_the_batch_goes_on(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = await users(engine)
    await run(engine, RenameUser(ada, "Poison"))
    await run(engine, RenameUser(bob, "Bob Moog"))
    upcaster_failing_for(monkeypatch, "Poison", KeyError("an upcaster bug"))
    projector = Projector(index, log=SqlEventLog(engine), parking=Parking(engine, engine, 3))

    # Current code: KeyError out of apply (the shard consumer retries the batch for ever).
    await projector.apply(await outbox.read_log(engine, after=0, limit=100), "shard-0")

    assert await name_of(index, bob) == "Bob Moog"
    assert len(await parked_store.waiting(engine)) == 1


async def test_a_gap_fill_that_meets_an_unparsable_event_parks_instead_of_stopping_the_shard(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = await users(engine)
    await run(engine, RenameUser(ada, "Poison"))
    await run(engine, RenameUser(ada, "Ada Lovelace"))
    await run(engine, RenameUser(bob, "Bob Moog"))
    log = await outbox.read_log(engine, after=0, limit=100)
    upcaster_failing_for(monkeypatch, "Poison", MalformedEvent("no such field any more"))
    projector = Projector(index, log=SqlEventLog(engine), parking=Parking(engine, engine, 3))
    await projector.apply(log[:3], "shard-0")  # the registrations; Ada's rename: no event
    assert len(await parked_store.waiting(engine)) == 1

    # Ada's next rename has a gap the fill tries to close from the log; current code: the
    # MalformedEvent of the fill escapes apply, Bob's rename with it.
    await projector.apply(log[3:], "shard-0")

    assert await name_of(index, bob) == "Bob Moog"
