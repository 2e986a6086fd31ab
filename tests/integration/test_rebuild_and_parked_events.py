"""Review of #13's rebuild + parking: a parked aggregate replayed (after a fix) while a rebuild
runs is projected into the live version only. The rebuild held the aggregate's events back (they
were parked when it read them), the hand-over catches the new version up from its own checkpoint
(minus REWIND), which is past them, and the replay deleted the parked records: after the swap the
new version serves the aggregate as it was before the replay, and nothing ever brings it back
(the aggregate is no longer parked, its events are acknowledged). Queries go backwards and stay
stale until the aggregate's next event fills the gap.

REWIND (10,000 positions) hides it on a log this small: it is set to 0 here, standing for a log
in which the parked events lie more than 10,000 positions before the head, which is the usual
case for an event parked hours before a rebuild. Real SQLite (and PostgreSQL) and tantivy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage
from read.projection import projection_kinds
from read.projection.user_documents import USER
from read.projection.workspace import Workspace
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers import index_handover, index_rebuild
from workers import projector as projector_module
from workers.index_handover import IndexHandover
from workers.index_rebuild import TantivyRebuild
from workers.parked_replay import ParkedReplay
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from write.sqlalchemy import outbox, parked_store
from write.users.user_commands import RegisterUser, RenameUser


class Switchable:
    """UserRenamed raises for one name until `fixed` (a bug, then its fix, deployed)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fails_for: str) -> None:
        self.fixed = False
        self._fails_for = fails_for
        self._real = projection_kinds.projections()["UserRenamed"]
        monkeypatch.setitem(projection_kinds.projections(), "UserRenamed", self)

    async def __call__(self, event: EventMessage, workspace: Workspace) -> None:
        if not self.fixed and event.payload["name"] == self._fails_for:
            raise KeyError("a bug in the projection")
        await self._real(event, workspace)


@pytest.fixture(autouse=True)
def long_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projector_module, "RETRY_PAUSE", 0)
    monkeypatch.setattr(index_handover, "REWIND", 0)
    monkeypatch.setattr(index_rebuild, "REWIND", 0)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    yield index
    await index.close()


async def name_of(index: TantivyIndex, id_: str) -> object:
    document = await index.get(USER, id_)
    return document.body["name"] if document else None


async def test_an_aggregate_replayed_during_a_rebuild_is_not_lost_by_the_swap(
    engine: AsyncEngine, live: TantivyIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = (await run(engine, RegisterUser("Ada", "ada@example.com"))).aggregate_id
    await run(engine, RenameUser(ada, "Lovelace"))
    for i in range(5):  # other traffic
        await run(engine, RegisterUser(f"User {i}", f"u{i}@example.com"))
    bug = Switchable(monkeypatch, fails_for="Lovelace")
    parking = Parking(engine, engine, park_after=1)
    projector = Projector(live, log=SqlEventLog(engine), parking=parking)
    await projector.apply(await outbox.read_log(engine, after=0, limit=1000))
    assert [p.aggregate_version for p in await parked_store.waiting(engine)] == [2]

    with TantivyRebuild(engine, tmp_path / "index", park_after=1) as rebuild:
        built = await rebuild.build()  # Ada's rename is held back: it is parked
        # Meanwhile the fix is deployed and an operator replays Ada into the live version.
        bug.fixed = True
        await parked_store.request_retry(engine, ada)
        assert await ParkedReplay(projector, parking).replay_requested() >= 1
        assert await name_of(live, ada) == "Lovelace"
        assert await parked_store.waiting(engine) == []
        # The live projector takes the new version over.
        assert await IndexHandover(live, engine, parking=parking).follow()
        assert live.version == built.version

    # On the current code the new version does not show the rename: the replay went to the old
    # version only (and, see the next test, the rebuild even parked Ada's registration).
    assert await name_of(live, ada) == "Lovelace"


async def test_a_rebuild_does_not_lose_what_a_parked_aggregate_showed_before_its_poison(
    engine: AsyncEngine, live: TantivyIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Parking.hold_back` parks EVERY event of a parked aggregate in a batch, earlier versions
    included: the rebuild's replay of the log from position 0 parks Ada's registration behind
    her parked rename, so the new version has no Ada at all, while the live one showed her at
    version 1. The swap makes her disappear from queries (no REWIND trick needed here: the
    hand-over re-reads the whole log and parks the registration again)."""
    monkeypatch.setattr(index_handover, "REWIND", 10_000)
    ada = (await run(engine, RegisterUser("Ada", "ada@example.com"))).aggregate_id
    await run(engine, RenameUser(ada, "Lovelace"))
    Switchable(monkeypatch, fails_for="Lovelace")  # never fixed during this test
    parking = Parking(engine, engine, park_after=1)
    projector = Projector(live, log=SqlEventLog(engine), parking=parking)
    await projector.apply(await outbox.read_log(engine, after=0, limit=1000))
    assert await name_of(live, ada) == "Ada"  # version 1, the rename parked

    with TantivyRebuild(engine, tmp_path / "index", park_after=1) as rebuild:
        built = await rebuild.build()
        assert await IndexHandover(live, engine, parking=parking).follow()
        assert live.version == built.version

    assert await name_of(live, ada) == "Ada"  # current code: None, the user is gone
    # and only the rename is parked, not the registration that was applied long ago
    assert [p.aggregate_version for p in await parked_store.waiting(engine)] == [2]
