"""Review of #13's per-source status: a source whose batch fails from the moment its process
started never shows as stalled. `StatusMonitor._source` measures "has not moved" from
`progressed_at or heard_at`; a source that never progressed in this process has no
`progressed_at`, and `heard_at` is renewed by every report (every 2 s), so the age stays below
DIPTYCH_STALL_AFTER for ever: DiptychShardStalled never fires for a shard stuck since a projector
(re)start, e.g. on a batch the index keeps refusing, while the other shards move (so the overall
position moves too and the overall `stalled` stays false).

Real write store and tantivy; the wall clock is replaced so that a minute passes at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.index import IndexUnavailable
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers import source_reports as source_reports_module
from workers import status_probe as status_probe_module
from workers.parking import Parking
from workers.projector import Projector, SqlEventLog
from workers.source_reports import SourceReports
from workers.status_probe import StatusMonitor
from write.sqlalchemy import outbox
from write.users.user_commands import RegisterUser


class Clock:
    """`datetime` as the two modules use it (`datetime.now(UTC)`), at a time the test sets."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self, tz: tzinfo | None = None) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(source_reports_module, "datetime", clock)
    monkeypatch.setattr(status_probe_module, "datetime", clock)
    return clock


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    yield index
    await index.close()


async def test_a_shard_failing_since_the_start_shows_as_stalled(
    engine: AsyncEngine, index: TantivyIndex, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("Ada", "Bob", "Cy"):
        await run(engine, RegisterUser(name, f"{name.lower()}@example.com"))
    first, second, third = await outbox.read_log(engine, after=0, limit=10)
    reports = SourceReports(engine)
    projector = Projector(index, log=SqlEventLog(engine), parking=Parking(engine, engine, 3),
                          reports=reports)
    real_write = index.write
    monitor = StatusMonitor(engine, index, stall_after=30)

    async def refused(*args: object, **kwargs: object) -> None:
        raise IndexUnavailable("the index refuses this batch")

    await projector.apply([first], "shard-0")
    for _ in range(30):  # a minute: shard 1's batch fails at every redelivery, shard 0 moves
        monkeypatch.setattr(index, "write", refused)
        with pytest.raises(IndexUnavailable):
            await projector.apply([second], "shard-1")
        monkeypatch.setattr(index, "write", real_write)
        await projector.apply([first, third], "shard-0")
        await reports.report()  # every REPORT_EVERY seconds
        clock.at += timedelta(seconds=2)
        await monitor.status()

    status = await monitor.status()
    shard = {s.source: s for s in status.sources}["shard-1"]
    assert shard.state == "FAILING"
    assert shard.stalled, "failing for a minute with DIPTYCH_STALL_AFTER=30s"
    assert status.stalled
