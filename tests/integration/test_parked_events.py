"""Parking, on a real write store and a real tantivy index: an event whose projection keeps
failing stops its own aggregate, never the batch or the shard; parked events outlive the
projector, are replayed in order after a fix, and can be skipped one by one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.event_envelope import EventMessage
from read.index import IndexUnavailable
from read.projection import projection_kinds
from read.projection.user_documents import USER
from read.projection.workspace import Workspace
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers import projector as projector_module
from workers.parked_replay import ParkedReplay
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from write.sqlalchemy import outbox, parked_store
from write.sqlalchemy.tables import events
from write.users.user_commands import RegisterUser, RenameUser

pytestmark = pytest.mark.usefixtures("no_pause")


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projector_module, "RETRY_PAUSE", 0)


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    yield index
    await index.close()


def projector_on(engine: AsyncEngine, index: TantivyIndex, park_after: int = 3) -> Projector:
    return Projector(index, log=SqlEventLog(engine),
                     parking=Parking(engine, engine, park_after))


class Broken:
    """A projection of UserRenamed that raises for one name (a bug that data triggers)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fails_for: str, times: int = 10**6):
        self.calls = 0
        self._fails_for, self._times = fails_for, times
        self._real = projection_kinds.projections()["UserRenamed"]
        monkeypatch.setitem(projection_kinds.projections(), "UserRenamed", self)

    async def __call__(self, event: EventMessage, workspace: Workspace) -> None:
        if event.payload["name"] == self._fails_for and self.calls < self._times:
            self.calls += 1
            raise KeyError("a bug in the projection")
        await self._real(event, workspace)


async def two_users(engine: AsyncEngine) -> tuple[str, str]:
    ada = (await run(engine, RegisterUser("Ada", "ada@example.com"))).aggregate_id
    bob = (await run(engine, RegisterUser("Bob", "bob@example.com"))).aggregate_id
    return ada, bob


async def log_of(engine: AsyncEngine) -> list[dict[str, Any]]:
    return await outbox.read_log(engine, after=0, limit=1000)


async def name_of(index: TantivyIndex, id_: str) -> object:
    document = await index.get(USER, id_)
    return document.body["name"] if document else None


async def test_a_failing_event_parks_its_aggregate_and_the_rest_of_the_batch_goes_on(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = await two_users(engine)
    await run(engine, RenameUser(ada, "Poison"))
    await run(engine, RenameUser(ada, "Ada Lovelace"))  # behind the poison: parked too
    await run(engine, RenameUser(bob, "Bob Moog"))
    broken = Broken(monkeypatch, fails_for="Poison")

    await projector_on(engine, index).apply(await log_of(engine), "shard-1")

    assert broken.calls == 3  # DIPTYCH_PARK_AFTER attempts, then parked
    assert await name_of(index, bob) == "Bob Moog"  # another aggregate of the same batch
    assert await name_of(index, ada) == "Ada"  # stops at the last version before the poison
    parked = await parked_store.waiting(engine)
    assert [(p.aggregate_id, p.aggregate_version, p.attempts) for p in parked] == [
        (ada, 2, 3), (ada, 3, 0)]
    assert "KeyError" in parked[0].error and "waits behind" in parked[1].error
    assert {p.source for p in parked} == {"shard-1"}


async def test_parked_aggregates_hold_back_later_events_after_a_restart(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = await two_users(engine)
    await run(engine, RenameUser(ada, "Poison"))
    Broken(monkeypatch, fails_for="Poison")
    await projector_on(engine, index).apply(await log_of(engine))
    monkeypatch.undo()  # the bug is fixed and the projector restarted, nobody asked to retry
    later = await run(engine, RenameUser(ada, "Ada Lovelace"))
    assert later.position is not None

    restarted = projector_on(engine, index)
    await restarted.apply(await outbox.read_log(engine, after=later.position - 1, limit=10))

    assert await name_of(index, ada) == "Ada"  # still held back: order within the aggregate
    assert [p.aggregate_version for p in await parked_store.waiting(engine)] == [2, 3]


async def test_a_retry_after_the_fix_replays_the_aggregate_in_order_and_releases_it(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = await two_users(engine)
    await run(engine, RenameUser(ada, "Poison"))
    await run(engine, RenameUser(ada, "Ada Lovelace"))
    Broken(monkeypatch, fails_for="Poison")
    projector = projector_on(engine, index)
    await projector.apply(await log_of(engine))
    replay = ParkedReplay(projector, projector.parking)  # type: ignore[arg-type]

    assert await replay.replay_requested() == 0  # nobody asked yet
    assert await parked_store.request_retry(engine, ada) == 2
    assert await replay.replay_requested() == 0  # still broken: both stay parked
    assert [p.attempts for p in await parked_store.waiting(engine)] == [4, 1]
    monkeypatch.undo()
    await parked_store.request_retry(engine, ada)
    assert await replay.replay_requested() == 2

    assert await name_of(index, ada) == "Ada Lovelace"
    assert await parked_store.waiting(engine) == []
    after = await run(engine, RenameUser(ada, "Countess"))  # flows as usual again
    assert after.position is not None
    await projector.apply(await outbox.read_log(engine, after=after.position - 1, limit=10))
    assert await name_of(index, ada) == "Countess"


async def test_a_skipped_event_is_stepped_over_and_the_later_ones_apply(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = await two_users(engine)
    await run(engine, RenameUser(ada, "Poison"))
    await run(engine, RenameUser(ada, "Ada Lovelace"))
    Broken(monkeypatch, fails_for="Poison")  # never fixed: the operator skips it
    projector = projector_on(engine, index)
    await projector.apply(await log_of(engine))
    poison = (await parked_store.waiting(engine))[0]

    skipped = await parked_store.skip(engine, poison.event_id, by="ops", reason="bad data")
    assert skipped is not None and skipped.aggregate_version == 2
    await parked_store.request_retry(engine, ada)
    assert await ParkedReplay(projector, projector.parking).replay_requested() == 1  # type: ignore[arg-type]

    document = await index.get(USER, ada)
    assert document is not None and document.body["name"] == "Ada Lovelace"
    assert document.body["sources"][f"User/{ada}"] == 3
    assert await parked_store.waiting(engine) == []
    assert await parked_store.skip(engine, poison.event_id, by="ops", reason="again") is None


async def test_an_event_type_this_projector_does_not_know_is_parked_not_stepped_over(
    engine: AsyncEngine, index: TantivyIndex
) -> None:
    ada, bob = await two_users(engine)
    events = await log_of(engine)
    newer = dict(events[0], type="UserKnighted", aggregate_version=2, position=99,
                 event_id="00000000-0000-4000-8000-00000000beef", payload={})

    await projector_on(engine, index).apply([*events, newer])

    assert await name_of(index, bob) == "Bob"
    [parked] = await parked_store.waiting(engine)
    assert (parked.type, parked.aggregate_id, parked.attempts) == ("UserKnighted", ada, 1)
    assert "no projection for event type UserKnighted" in parked.error


async def test_a_message_that_is_no_event_is_parked_by_the_same_policy(
    engine: AsyncEngine, index: TantivyIndex
) -> None:
    await two_users(engine)
    garbage = {"not_json": "\ufffd\ufffd", "message_id": "m-7", "error": "Expecting value"}

    await projector_on(engine, index).apply([*await log_of(engine), garbage, {"type": "x"}])

    parked = await parked_store.waiting(engine)
    assert len(parked) == 2 and all(p.aggregate_id is None for p in parked)
    assert all("not an event envelope" in p.error for p in parked)
    assert "not_json" in parked[0].envelope["message"] or "not_json" in parked[1].envelope[
        "message"]


async def test_an_index_outage_is_raised_to_be_retried_never_parked(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    await two_users(engine)

    async def down(*args: object, **kwargs: object) -> None:
        raise IndexUnavailable("the index is down")

    monkeypatch.setattr(index, "write", down)
    with pytest.raises(IndexUnavailable):
        await projector_on(engine, index).apply(await log_of(engine))
    assert await parked_store.waiting(engine) == []


async def test_a_failure_that_passes_before_the_limit_parks_nothing(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = await two_users(engine)
    await run(engine, RenameUser(ada, "Flaky"))
    Broken(monkeypatch, fails_for="Flaky", times=2)

    await projector_on(engine, index, park_after=3).apply(await log_of(engine))

    assert await name_of(index, ada) == "Flaky"
    assert await parked_store.waiting(engine) == []


async def test_a_retry_replays_the_event_as_the_log_holds_it_after_a_repair(
    engine: AsyncEngine, index: TantivyIndex
) -> None:
    """A buggy writer's row (a payload no projection can read) is repaired by an operator in the
    event log; the retry must project the repaired row, not the copy taken when it was parked."""
    ada, _ = await two_users(engine)
    renamed = await run(engine, RenameUser(ada, "Ada Lovelace"))
    async with engine.begin() as connection:
        await connection.execute(
            events.update().where(events.c.position == renamed.position)
            .values(payload={"nmae": "Ada Lovelace"}))
    projector = projector_on(engine, index, park_after=1)
    await projector.apply(await log_of(engine))
    assert [p.aggregate_version for p in await parked_store.waiting(engine)] == [2]

    async with engine.begin() as connection:  # the operator's repair
        await connection.execute(
            events.update().where(events.c.position == renamed.position)
            .values(payload={"name": "Ada Lovelace"}))
    await parked_store.request_retry(engine, ada)
    assert await ParkedReplay(projector, projector.parking).replay_requested() == 1  # type: ignore[arg-type]

    assert await name_of(index, ada) == "Ada Lovelace"
    assert await parked_store.waiting(engine) == []
