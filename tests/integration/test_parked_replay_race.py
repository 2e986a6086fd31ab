"""Review of #13's parked replay: an event that a shard parks behind its aggregate while a replay
of that aggregate releases it. `Parking.hold_back` asks "is the aggregate parked?" and then, in a
second statement, inserts the event as parked behind; the replay (another task of the same
process, or another process) can release the aggregate and mark "what was parked behind it
meanwhile" for the next round in between. The late insert then lands with no retry asked: the
aggregate stays parked behind nothing, and every later event of it too, until an operator
notices and retries again; workers/parked_replay.py promises the contrary ("it is marked for the
next round, so the aggregate is released whole").

The interleaving is forced by running the replay just before hold_back's insert; real SQLite
(and PostgreSQL when configured) and a real tantivy index."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage
from read.projection import projection_kinds
from read.projection.user_documents import USER
from read.projection.workspace import Workspace
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers import parking as parking_module
from workers import projector as projector_module
from workers.parked_replay import ParkedReplay
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from write.sqlalchemy import outbox, parked_store
from write.sqlalchemy.parked_store import ParkedEvent
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


async def test_an_event_parked_behind_while_its_aggregate_is_released_is_replayed_next_round(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projector_module, "RETRY_PAUSE", 0)
    ada = (await run(engine, RegisterUser("Ada", "ada@example.com"))).aggregate_id
    await run(engine, RenameUser(ada, "Lovelace"))
    fixed = False
    real = projection_kinds.projections()["UserRenamed"]

    async def renamed(event: EventMessage, workspace: Workspace) -> None:
        if not fixed and event.payload["name"] == "Lovelace":
            raise KeyError("a bug in the projection")
        await real(event, workspace)

    monkeypatch.setitem(projection_kinds.projections(), "UserRenamed", renamed)
    parking = Parking(engine, engine, park_after=1)
    projector = Projector(index, log=SqlEventLog(engine), parking=parking)
    await projector.apply(await outbox.read_log(engine, after=0, limit=100), "shard-0")
    assert [p.aggregate_version for p in await parked_store.waiting(engine)] == [2]

    later = await run(engine, RenameUser(ada, "Countess"))
    assert later.position is not None
    fixed = True
    await parked_store.request_retry(engine, ada)
    replay = ParkedReplay(projector, parking)
    real_park = parked_store.park_behind
    raced: list[int] = []

    async def park_after_the_replay(
        engine_: AsyncEngine, events: Sequence[ParkedEvent]
    ) -> set[str]:
        if not raced and events and events[0].error.startswith(parking_module.BEHIND):
            raced.append(await replay.replay_requested())  # the replay runs in between
        return await real_park(engine_, events)

    monkeypatch.setattr(parked_store, "park_behind", park_after_the_replay)
    await projector.apply(await outbox.read_log(engine, after=later.position - 1, limit=10),
                          "shard-1")
    assert raced == [1]  # the rename to Lovelace was replayed and released meanwhile

    await replay.replay_requested()  # the next round

    assert await parked_store.waiting(engine) == []  # current code: the Countess rename waits
    assert await name_of(index, ada) == "Countess"
