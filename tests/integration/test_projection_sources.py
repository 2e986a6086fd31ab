"""Each source of events keeps its own position and reports its own state, so one shard that
stops shows in the status while the others move; and direct sync projects from the event log
while the broker is out of reach, then hands back to it. Real write store, real tantivy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.index import IndexUnavailable
from read.projection.batches import checkpoint_of
from read.projection.user_documents import USER
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers.direct_sync import DirectSync
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from workers.source_reports import SourceReports
from workers.status_probe import StatusMonitor
from write.sqlalchemy import outbox
from write.users.user_commands import RegisterUser


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    yield index
    await index.close()


def projector_on(engine: AsyncEngine, index: TantivyIndex, reports: SourceReports) -> Projector:
    return Projector(index, log=SqlEventLog(engine), parking=Parking(engine, engine, 3),
                     reports=reports)


async def registered(engine: AsyncEngine, *names: str) -> list[dict[str, object]]:
    for name in names:
        await run(engine, RegisterUser(name, f"{name.lower()}@example.com"))
    return await outbox.read_log(engine, after=0, limit=100)


async def test_a_failing_shard_shows_as_stalled_while_another_moves(
    engine: AsyncEngine, index: TantivyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = await registered(engine, "Ada", "Bob", "Cy")
    reports = SourceReports(engine)
    projector = projector_on(engine, index, reports)
    await projector.apply([first], "shard-0")
    await projector.apply([third], "shard-0")  # shard 0 moves past shard 1's event

    async def down(*args: object, **kwargs: object) -> None:
        raise IndexUnavailable("the index refuses writes")

    with monkeypatch.context() as patched:
        patched.setattr(index, "write", down)
        with pytest.raises(IndexUnavailable):
            await projector.apply([second], "shard-1")
    await reports.report()

    status = await StatusMonitor(engine, index, stall_after=0).status()
    sources = {s.source: s for s in status.sources}
    assert sources["shard-0"].state == "IDLE" and not sources["shard-0"].stalled
    assert sources["shard-0"].position == third["position"]
    assert sources["shard-1"].state == "FAILING" and sources["shard-1"].stalled
    assert sources["shard-1"].in_hand == 1 and "refuses writes" in str(sources["shard-1"].error)
    assert status.stalled  # though the furthest position is the head's
    assert status.projector_position == status.head_position
    assert await index.checkpoint(checkpoint_of("shard-1")) == 0


async def test_direct_sync_projects_the_outbox_while_the_broker_is_down_then_hands_back(
    engine: AsyncEngine, index: TantivyIndex
) -> None:
    events = await registered(engine, "Ada", "Bob")
    reports = SourceReports(engine)
    reachable = False
    now = [0.0]
    direct = DirectSync(engine, engine, projector_on(engine, index, reports), reports,
                        broker_reachable=lambda: reachable, after=10.0, clock=lambda: now[0])
    status = StatusMonitor(engine, index, stall_after=30)

    assert await direct.step() == 0  # down, but not for long enough yet
    now[0] = 10.0
    assert await direct.step() == 2
    await reports.report()
    assert (await status.status()).mode == "DIRECT"
    assert await outbox.unpublished(engine, limit=10) == []  # the relay will not send them
    for event in events:
        assert await index.get(USER, str(event["aggregate_id"])) is not None
    assert await index.checkpoint(checkpoint_of("direct")) == events[-1]["position"]

    reachable = True
    assert await direct.step() == 0
    await reports.report()
    after = await status.status()
    assert after.mode == "BROKER"
    assert {s.source: s.state for s in after.sources}["direct"] == "OFF"


async def test_direct_sync_waits_while_the_broker_is_reachable(
    engine: AsyncEngine, index: TantivyIndex
) -> None:
    await registered(engine, "Ada")
    reports = SourceReports(engine)
    direct = DirectSync(engine, engine, projector_on(engine, index, reports), reports,
                        broker_reachable=lambda: True, after=0.0)
    assert await direct.step() == 0
    assert len(await outbox.unpublished(engine, limit=10)) == 1
