"""`diptych rebuild`'s steps on a real write store (SQLite, and PostgreSQL when configured) and
real tantivy: a new version built beside the live one while a live projector writes and readers
read, then handed over (workers/index_rebuild.py, workers/index_handover.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.freshness.visibility_feed import VisibilityFeed
from read.index import SearchIndex, SearchRequest
from read.projection.user_documents import USER
from read.tantivy.tantivy_index import IndexLocked, TantivyIndex
from tests.integration.commands import run
from workers.index_handover import IndexHandover
from workers.index_rebuild import RebuildRunning, TantivyRebuild
from workers.inprocess_broker import InProcessBroker
from workers.projector import Projector, SqlEventLog
from workers.relay import Relay
from write.users.user_commands import RegisterUser, RenameUser


@dataclass
class Live:
    """What `diptych serve` runs on the embedded default: one index, its projector, the relay."""

    engine: AsyncEngine
    root: Path
    index: TantivyIndex
    handover: IndexHandover
    relay: Relay
    versions: dict[str, int] = field(default_factory=dict)  # user id -> its latest version

    async def register(self, n: int) -> None:
        for i in range(n):
            done = await run(self.engine, RegisterUser(f"User {i}", f"u{len(self.versions)}@x.io"))
            self.versions[done.aggregate_id] = done.version
        await self.relay.drain()

    async def rename(self, id: str, name: str) -> None:
        done = await run(self.engine, RenameUser(id, name))
        self.versions[id] = done.version
        await self.relay.drain()


async def open_live(engine: AsyncEngine, root: Path, keep: int = 2) -> Live:
    index = TantivyIndex(root)
    await index.open()
    feed = VisibilityFeed()
    handover = IndexHandover(index, engine, feed, keep_versions=keep, poll=0.05)
    broker = InProcessBroker()
    # Wired as diptych/pipeline.py wires it: every round of a batch inside the hand-over's gate.
    await broker.consume(Projector(index, feed, log=SqlEventLog(engine), batches=handover.batch))
    return Live(engine, root, index, handover, Relay(engine, broker))


@pytest.fixture
async def live(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Live]:
    running = await open_live(engine, tmp_path / "index")
    stop = asyncio.Event()
    following = asyncio.create_task(running.handover.run(stop))
    yield running
    stop.set()
    await following
    await running.index.close()


@dataclass
class Reader:
    """Reads over and over; remembers what it saw, to tell whether anything went backwards."""

    index: SearchIndex
    watched: str
    reads: int = 0
    errors: list[BaseException] = field(default_factory=list)
    backwards: list[str] = field(default_factory=list)
    total: int = 0
    version: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                total = (await self.index.search(USER, SearchRequest(first=1))).total
                document = await self.index.get(USER, self.watched)
            except Exception as error:  # recorded: a failing query fails the test
                self.errors.append(error)
                await asyncio.sleep(0.01)
                continue
            version = document.version if document else 0
            if total < self.total or version < self.version:
                self.backwards.append(f"{self.total}->{total}, v{self.version}->v{version}")
            self.total, self.version = max(total, self.total), max(version, self.version)
            self.reads += 1
            await asyncio.sleep(0)


async def test_a_rebuild_under_a_live_projector_swaps_in_a_complete_version_while_reads_go_on(
    live: Live,
) -> None:
    await live.register(40)
    watched = next(iter(live.versions))
    replica = TantivyIndex(live.root, read_only=True)  # an API replica in another process
    await replica.open()
    readers = [Reader(live.index, watched), Reader(replica, watched)]
    stop = asyncio.Event()
    reading = [asyncio.create_task(r.run(stop)) for r in readers]
    old = live.index.version
    with TantivyRebuild(live.engine, live.root) as rebuild:
        built = await rebuild.build()
        # Written to the old version only, after the build: the hand-over must bring it over.
        await live.rename(watched, "Renamed Once")
        await live.register(5)
        handing = asyncio.create_task(rebuild.hand_over(built, wait=60))
        await live.rename(watched, "Renamed Twice")
        by = await handing
    await live.register(3)  # after the swap, into the new version
    await replica.search(USER, SearchRequest(first=1))  # a read after the swap follows it
    stop.set()
    await asyncio.gather(*reading)
    try:
        assert by == "the live projector"
        assert (live.index.version, replica.version) == (built.version, built.version)
        assert built.version != old and (live.root / old).is_dir()  # the old one is kept
        assert rebuild.versions.pointers().read == built.version
        for reader in readers:
            assert reader.errors == [] and reader.backwards == []
            assert reader.reads > 0
        for index in (live.index, replica):
            found = await index.get_many(USER, list(live.versions))
            assert {i: d.version for i, d in found.items()} == live.versions
            assert (await index.search(USER, SearchRequest(first=1))).total == 48
            assert (await index.get(USER, watched)).body["name"] == "Renamed Twice"  # type: ignore[union-attr]
    finally:
        await replica.close()


async def test_a_second_rebuild_at_the_same_time_is_refused(live: Live) -> None:
    refused = pytest.raises(RebuildRunning, match=r"another rebuild of .* is running \(pid")
    with TantivyRebuild(live.engine, live.root), refused, TantivyRebuild(live.engine, live.root):
        pass
    with TantivyRebuild(live.engine, live.root):  # once the first ended, a next one may run
        pass


async def test_without_a_running_projector_the_rebuild_hands_over_itself(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    first = await open_live(engine, tmp_path / "index")
    await first.register(7)
    await first.index.close()  # the service is down
    with TantivyRebuild(engine, first.root) as rebuild:
        built = await rebuild.build()
        await run(engine, RegisterUser("Late", "late@x.io"))  # logged, never projected yet
        by = await rebuild.hand_over(built, wait=60)
    assert by == "the rebuild (no projector was running)"
    again = await open_live(engine, first.root)
    try:
        assert again.index.version == built.version
        assert (await again.index.search(USER, SearchRequest(first=1))).total == 8
    finally:
        await again.index.close()


async def test_a_projector_that_starts_after_the_build_takes_the_new_version_over(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    first = await open_live(engine, tmp_path / "index")
    await first.register(4)
    await first.index.close()
    with TantivyRebuild(engine, first.root) as rebuild:
        built = await rebuild.build()  # then the rebuild stops before handing over
    again = await open_live(engine, first.root)
    try:
        assert again.index.version != built.version  # it starts on the version it read
        assert await again.handover.follow()
        assert again.index.version == built.version
        assert rebuild.versions.pointers().read == built.version
        assert (await again.index.search(USER, SearchRequest(first=1))).total == 4
    finally:
        await again.index.close()


async def test_old_versions_beyond_the_setting_are_dropped_after_a_swap(live: Live) -> None:
    await live.register(2)
    first = live.index.version
    swapped = []
    for _ in range(3):
        with TantivyRebuild(live.engine, live.root) as rebuild:
            await rebuild.hand_over(await rebuild.build(), wait=60)
        swapped.append(live.index.version)
    assert len(set(swapped)) == 3 and first not in swapped
    assert rebuild.versions.names() == swapped[-2:]  # keep 2: the live one, the one before
    assert (await live.index.search(USER, SearchRequest(first=1))).total == 2


async def test_no_batch_straddles_the_switch(live: Live) -> None:
    await live.register(3)
    with TantivyRebuild(live.engine, live.root) as rebuild:
        built = await rebuild.build()
    entered: list[str] = []

    async def next_batch() -> None:
        async with live.handover.batch():
            entered.append(live.index.version)

    async with live.handover.batch():  # a batch in flight: it read the old version
        while not live.handover.switching:  # the poll found the hand-over and caught up
            await asyncio.sleep(0.01)
        later = asyncio.create_task(next_batch())
        for _ in range(20):
            await asyncio.sleep(0)
        assert entered == [] and live.index.version != built.version
    await later
    assert entered == [built.version]


async def test_a_second_projector_of_the_layout_is_refused_at_once_whatever_the_version(
    live: Live,
) -> None:
    with TantivyRebuild(live.engine, live.root) as rebuild:
        await rebuild.build()  # the version to write now differs from the one read
    second = TantivyIndex(live.root)
    with pytest.raises(IndexLocked, match="in use by another process"):
        await second.open()
