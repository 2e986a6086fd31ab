"""The write side of the search-index port: external versions, tombstones, checkpoints.

Every adapter honours it, the in-memory fake of the unit tests included: checking it takes no
search (the search contracts check what a search sees of these writes).
"""

from __future__ import annotations

import asyncio

from read.index import Checkpoint, Delete, Document, SearchIndex, Write, WriteResult
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER
from tests.contracts.index_fixtures import IndexUnderTest, eventually, live, product


class IndexWritesContract(IndexUnderTest):
    async def test_an_upserted_document_is_returned_with_its_body_and_version(
        self, index: SearchIndex,
    ) -> None:
        write = product("p1", "Kettle", version=3, price_cents=2599)
        assert await index.write([write]) == WriteResult(applied=1, stale=0)
        assert await index.get(PRODUCT, "p1") == Document(PRODUCT, "p1", 3, write.body)
        assert await index.version_of(PRODUCT, "p1") == 3
        assert await index.get(PRODUCT, "nope") is None
        assert await index.version_of(PRODUCT, "nope") is None

    async def test_get_many_returns_only_the_live_documents_asked_for(
        self, index: SearchIndex
    ) -> None:
        await index.write([product("a"), product("b"), product("c")])
        await index.write([Delete(PRODUCT, "c", 2)])
        found = await index.get_many(PRODUCT, ["a", "c", "missing"])
        assert list(found) == ["a"] and found["a"].id == "a"
        assert await index.get_many(PRODUCT, []) == {}

    async def test_a_write_not_newer_than_the_stored_version_is_ignored_and_counted_stale(
        self, index: SearchIndex,
    ) -> None:
        await index.write([product("p", "second", version=2)])
        late: list[Write] = [
            product("p", "first", 1), product("p", "v2", 2), Delete(PRODUCT, "p", 1)
        ]
        assert await index.write(late) == WriteResult(
            applied=0, stale=3, rejected=((PRODUCT, "p"),)
        )
        assert await live(index, "p") == Document(PRODUCT, "p", 2, product("p", "second").body)

    async def test_within_one_batch_the_last_newer_write_wins_and_older_ones_are_stale(
        self, index: SearchIndex,
    ) -> None:
        writes = [product("p", "v1", 1), product("p", "v3", 3), product("p", "v2", 2)]
        assert (await index.write(writes)).stale == 1
        assert (await live(index, "p")).body["name"] == "v3"
        in_order = [product("q", "v1", 1), product("q", "v2", 2)]
        assert await index.write(in_order) == WriteResult(2, 0)
        assert (await live(index, "q")).body["name"] == "v2"

    async def test_an_older_upsert_does_not_resurrect_a_deleted_document(
        self, index: SearchIndex
    ) -> None:
        await index.write([Delete(PRODUCT, "p", 3)])
        result = await index.write([product("p", "late", 2), product("p", "same", 3)])
        assert result == WriteResult(applied=0, stale=2, rejected=((PRODUCT, "p"),))
        assert await index.get(PRODUCT, "p") is None
        assert await index.version_of(PRODUCT, "p") == 3

    async def test_a_checkpoint_never_written_is_zero(self, index: SearchIndex) -> None:
        assert await index.checkpoint("projector") == 0

    async def test_a_checkpoint_is_written_together_with_its_batch(
        self, index: SearchIndex
    ) -> None:
        await index.write([product("p")], Checkpoint("projector", 7))
        assert await index.checkpoint("projector") == 7
        assert await index.get(PRODUCT, "p") is not None
        assert await index.checkpoint("other") == 0

    async def test_a_checkpoint_never_moves_backwards(self, index: SearchIndex) -> None:
        await index.write([], Checkpoint("projector", 7))
        await index.write([product("p")], Checkpoint("projector", 3))
        assert await index.checkpoint("projector") == 7
        await index.write([product("p", version=1)], Checkpoint("projector", 9))  # a stale batch
        assert await index.checkpoint("projector") == 9

    async def test_a_written_version_becomes_visible_to_readers_waiting_on_it(
        self, index: SearchIndex,
    ) -> None:
        await index.write([product("seen")])
        await index.write([Delete(PRODUCT, "gone", 4)])

        seen = await eventually(lambda: index.visible(PRODUCT, "seen"))
        assert seen is not None and (seen.version, seen.body) == (1, product("seen").body)
        await asyncio.sleep(0.2)
        assert await index.visible(PRODUCT, "gone") is None  # a tombstone hides the document
        assert await index.visible(PRODUCT, "never") is None
        assert await index.visible(USER, "seen") is None

    async def test_a_refused_write_names_the_document_so_its_writer_can_reread_it(
        self, index: SearchIndex,
    ) -> None:
        await index.write([product("p", version=3)])
        result = await index.write([product("p", version=3), product("q", version=1)])
        assert result.rejected == ((PRODUCT, "p"),)

    async def test_concurrent_writers_are_applied_as_if_one_after_the_other(
        self, index: SearchIndex,
    ) -> None:
        await index.write([product("shared", version=1)])
        results = await asyncio.gather(
            index.write([product("shared", "left", version=2), product("a", version=1)]),
            index.write([product("shared", "right", version=2), product("b", version=1)]),
        )
        assert sorted(len(r.rejected) for r in results) == [0, 1]  # one lost the compare-and-set
        winner = "left" if not results[0].rejected else "right"
        assert (await live(index, "shared")).body["name"] == winner
        assert {(await live(index, i)).version for i in ("a", "b")} == {1}
