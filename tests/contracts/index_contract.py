"""The contract of the search-index port (`read/index.py`): what every real adapter honours.

Each adapter's test module subclasses `IndexContract` and defines the `new_index` fixture
(tests/integration/test_tantivy_index.py, tests/integration/test_elastic_index.py); this module's
name does not start with `test_`, so the contract itself is never collected. The in-memory fake
of the unit tests honours the write part only (tests/unit/test_memory_index.py).
"""

from __future__ import annotations

from collections.abc import Callable

from read.index import Checkpoint, Delete, Document, SearchIndex, SearchRequest, WriteResult
from read.projection.product_documents import PRODUCT
from tests.contracts.index_fixtures import ids, live, product
from tests.contracts.index_paging_contract import IndexPagingContract
from tests.contracts.index_search_contract import IndexSearchContract
from tests.contracts.index_writes_contract import IndexWritesContract


class IndexContract(IndexWritesContract, IndexSearchContract, IndexPagingContract):
    """Every part of the contract, and what only storage that can be cleared and reopened shows."""

    async def test_clear_removes_documents_tombstones_and_checkpoints(
        self, index: SearchIndex
    ) -> None:
        await index.write([product("a"), Delete(PRODUCT, "b", 3)], Checkpoint("projector", 5))
        await index.clear()
        assert await index.get(PRODUCT, "a") is None
        assert await index.version_of(PRODUCT, "a") is None
        assert await index.version_of(PRODUCT, "b") is None
        assert await index.checkpoint("projector") == 0
        assert (await index.search(PRODUCT, SearchRequest())).total == 0
        assert await index.write([product("b", version=1)]) == WriteResult(applied=1, stale=0)

    async def test_a_reopened_index_keeps_its_documents_tombstones_and_checkpoint(
        self, new_index: Callable[[], SearchIndex],
    ) -> None:
        first = new_index()
        await first.open()
        await first.write([product("a", "lamp", 2), Delete(PRODUCT, "b", 4)], Checkpoint("proj", 9))
        await first.close()
        again = new_index()
        await again.open()
        try:
            assert await live(again, "a") == Document(PRODUCT, "a", 2, product("a", "lamp").body)
            assert await again.version_of(PRODUCT, "b") == 4
            assert await again.checkpoint("proj") == 9
            assert await ids(again, SearchRequest(text="lamp")) == ["a"]
        finally:
            await again.close()
