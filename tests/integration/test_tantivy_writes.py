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
