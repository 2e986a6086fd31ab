"""The embedded index writes on a thread of its own, apart from the executor searches run on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from read.index import SearchRequest, Upsert, WriteResult
from read.projection.product_documents import PRODUCT
from read.tantivy.tantivy_index import TantivyIndex


def product(id: str) -> Upsert:
    body = {"id": id, "name": "lamp", "name_key": "lamp", "description": "plain", "sku": id,
            "sku_text": id, "category": "tools", "status": "active", "price": "1.00",
            "price_cents": 100, "stock": 1, "sold": 0, "added_ms": 0}
    return Upsert(PRODUCT, id, 1, body)


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    opened = TantivyIndex(tmp_path / "index")
    await opened.open()
    yield opened
    await opened.close()


async def test_a_write_commits_while_every_search_thread_is_busy(index: TantivyIndex) -> None:
    """Searches run on the loop's default executor: one thread here, held until the write is
    done. A write queued behind it would never finish, and the wait would time out."""
    loop = asyncio.get_running_loop()
    searches = ThreadPoolExecutor(1)
    loop.set_default_executor(searches)
    gate = threading.Event()
    busy = loop.run_in_executor(None, gate.wait)
    try:
        result = await asyncio.wait_for(index.write([product("p")]), timeout=10)
        assert result == WriteResult(applied=1, stale=0)
    finally:
        gate.set()
        await busy
    page = await index.search(PRODUCT, SearchRequest(text="lamp"))
    assert [hit.document.id for hit in page.hits] == ["p"]
    searches.shutdown()


async def test_a_closed_index_refuses_writes_and_a_reopened_one_takes_them(
    tmp_path: Path,
) -> None:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    await index.close()
    with pytest.raises(RuntimeError, match="not open"):
        await index.write([product("p")])
    await index.open()
    try:
        assert await index.write([product("p")]) == WriteResult(applied=1, stale=0)
    finally:
        await index.close()


async def test_a_writer_cancelled_while_waiting_never_breaks_the_next_commit(
    index: TantivyIndex,
) -> None:
    """A write cancelled while another commits (a projector stopping) leaves the group commit
    intact: the writers after it get their results, and what they wrote is there."""
    first = asyncio.create_task(index.write([product("a")]))
    await asyncio.sleep(0)  # `first` holds the writer and commits on the writer's thread
    cancelled = asyncio.create_task(index.write([product("b")]))
    await asyncio.sleep(0)  # waits for `first`'s commit
    cancelled.cancel()
    after = asyncio.create_task(index.write([product("c")]))
    await asyncio.sleep(0)
    assert await asyncio.wait_for(first, 10) == WriteResult(applied=1, stale=0)
    assert await asyncio.wait_for(after, 10) == WriteResult(applied=1, stale=0)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    page = await index.search(PRODUCT, SearchRequest(text="lamp"))
    assert {hit.document.id for hit in page.hits} >= {"a", "c"}


async def test_a_committing_writer_cancelled_still_delivers_its_batch_mates_results(
    index: TantivyIndex,
) -> None:
    """The writer that commits for a group is cancelled mid-commit (its shard stopping): the
    writers it took along still get their results, never its CancelledError."""
    first = asyncio.create_task(index.write([product("a")]))
    await asyncio.sleep(0)  # commits alone
    holder = asyncio.create_task(index.write([product("b")]))
    mate = asyncio.create_task(index.write([product("c")]))
    await asyncio.sleep(0)  # both wait for `first`; the next commit takes them together
    await first
    while not holder.done() and not _committing(index):
        await asyncio.sleep(0)
    holder.cancel()
    assert await asyncio.wait_for(mate, 10) == WriteResult(applied=1, stale=0)
    page = await index.search(PRODUCT, SearchRequest(text="lamp"))
    assert {hit.document.id for hit in page.hits} == {"a", "b", "c"}


def _committing(index: TantivyIndex) -> bool:
    writer = index._writer  # which task commits is the writer's own affair
    return writer is not None and writer._lock.locked() and not writer._waiting
