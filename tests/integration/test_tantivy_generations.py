"""`generation(kind)` of the embedded index (read/tantivy/tantivy_generations.py), on real
tantivy directories: it moves on with every reload that may change what a search of the kind
answers, and a read-only index says None while another process's commit waits to be followed.
`generation(kind, within=Term(...))` moves on only when a document holding that keyword value
before or after a commit is written."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from read.index import RELEVANCE, Checkpoint, Delete, SearchRequest, Sort, Term
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER
from read.tantivy import tantivy_generations
from read.tantivy.tantivy_generations import Generations
from read.tantivy.tantivy_index import TantivyIndex
from read.tantivy.tantivy_opening import _meta_stamp
from schema.edge.read_tracking import Read, TrackedIndex
from tests.contracts.index_fixtures import product


async def test_a_commit_moves_on_the_generation_of_the_kinds_it_wrote_only(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path)
    await index.open()
    try:
        products, users = index.generation(PRODUCT), index.generation(USER)
        assert products is not None and users is not None
        await index.write([product("a")], Checkpoint("projector", 1))
        assert index.generation(PRODUCT) not in (None, products)
        assert index.generation(USER) == users
        written = index.generation(PRODUCT)
        await index.write([product("a")])  # stale: nothing to commit
        assert index.generation(PRODUCT) == written
        await index.clear()
        assert index.generation(PRODUCT) != written and index.generation(USER) != users
    finally:
        await index.close()
    assert index.generation(PRODUCT) is None  # closed: nothing can be kept


AUDIO, VIDEO, TOOLS = (Term("category", c) for c in ("audio", "video", "tools"))


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    opened = TantivyIndex(tmp_path)
    await opened.open()
    yield opened
    await opened.close()


async def test_a_keyword_value_s_generation_moves_only_with_documents_holding_it(
    index: TantivyIndex,
) -> None:
    def told() -> tuple[int | None, ...]:
        return tuple(index.generation(PRODUCT, t) for t in (AUDIO, VIDEO, TOOLS))

    await index.write([product("a", category="audio"), product("v", category="video")])
    audio, video, tools = told()
    kind = index.generation(PRODUCT)
    await index.write([product("a2", category="audio")])
    assert told()[1:] == (video, tools)  # no video nor tools product was written
    assert told()[0] != audio and index.generation(PRODUCT) != kind
    audio, kind = told()[0], index.generation(PRODUCT)

    await index.write([product("a", version=2, category="tools")])  # audio -> tools
    assert told()[1] == video and told()[0] != audio and told()[2] != tools
    audio, tools = told()[0], told()[2]

    await index.write([Delete(PRODUCT, "v", 2)])  # gone from video
    assert told()[0] == audio and told()[2] == tools and told()[1] != video


async def test_a_term_the_index_cannot_scope_is_the_whole_kind(index: TantivyIndex) -> None:
    await index.write([product("a", category="audio")])
    stock, text = Term("stock", 1), Term("description", "plain")  # integer, full text
    before = (index.generation(PRODUCT, stock), index.generation(PRODUCT, text))
    assert before == (index.generation(PRODUCT),) * 2
    await index.write([product("v", category="video")])
    assert index.generation(PRODUCT, stock) == index.generation(PRODUCT) not in before
    assert index.generation(USER, AUDIO) == index.generation(USER)  # not a field of users
    audio = index.generation(PRODUCT, AUDIO)
    await index.clear()
    assert index.generation(PRODUCT, AUDIO) not in (None, audio)  # a clear moves all


def test_too_many_scopes_are_forgotten_and_every_generation_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tantivy_generations, "MAX_SCOPES", 3)
    generations = Generations()
    generations.changed({PRODUCT}, [(PRODUCT, "sku", str(n)) for n in range(10)])
    assert not generations._scopes  # no reader asked about skus: nothing to remember
    generations.of(PRODUCT, (PRODUCT, "category", "a"))  # asked: categories are remembered
    generations.changed({PRODUCT}, [(PRODUCT, "category", "a"), (PRODUCT, "category", "b")])
    a = generations.of(PRODUCT, (PRODUCT, "category", "a"))
    untouched = generations.of(USER)
    generations.changed({PRODUCT}, [(PRODUCT, "category", c) for c in "cd"])
    assert generations.of(PRODUCT, (PRODUCT, "category", "a")) != a  # forgotten: moved on
    assert generations.of(USER) != untouched
    assert generations.of(PRODUCT, (PRODUCT, "category", "z")) == generations.of(USER)


async def test_a_read_only_index_tells_no_generation_until_it_followed_a_commit(
    tmp_path: Path,
) -> None:
    writer, reader = TantivyIndex(tmp_path), TantivyIndex(tmp_path, read_only=True)
    await writer.open()
    await reader.open()
    try:
        assert (await reader.search(PRODUCT, SearchRequest())).total == 0
        before = reader.generation(PRODUCT)
        assert before is not None
        await writer.write([product("a")])
        assert reader.generation(PRODUCT) is None  # behind another process's commit
        assert (await reader.search(PRODUCT, SearchRequest())).total == 1  # followed it
        after = reader.generation(PRODUCT)
        assert after is not None and after != before
        assert (await reader.search(PRODUCT, SearchRequest())).total == 1
        assert reader.generation(PRODUCT) == after  # nothing new: it stands
    finally:
        await reader.close()
        await writer.close()


def test_a_commit_in_the_same_mtime_step_with_the_same_inode_and_size_is_told_apart(
    tmp_path: Path,
) -> None:
    meta = tmp_path / "meta.json"
    meta.write_text('{"opstamp":41}')
    first = _meta_stamp(tmp_path)
    stat = meta.stat()
    meta.write_text('{"opstamp":42}')  # in place: the same inode, the same size
    os.utime(meta, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and within the same mtime step
    assert _meta_stamp(tmp_path)[:3] == first[:3]
    assert _meta_stamp(tmp_path) != first  # its content told them apart
    an_hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(meta, ns=(an_hour_ago, an_hour_ago))
    assert _meta_stamp(tmp_path)[3] is None  # an old one is not read: a commit moves its mtime


async def test_a_faceted_search_is_kept_by_its_kind_not_by_the_term_its_facets_leave_out(
    index: TantivyIndex,
) -> None:
    await index.write([product("a", category="audio"), product("v", category="video")])
    reads: dict[Read, int | None] = {}
    request = SearchRequest(filters=(AUDIO,), facets=("category",))
    await TrackedIndex(index, reads).search(PRODUCT, request)
    await index.write([product("v2", category="video")])  # the facets count it
    assert (await index.search(PRODUCT, request)).facets != {}
    assert any(index.generation(*read) != seen for read, seen in reads.items())


async def test_a_search_by_relevance_is_renewed_by_any_commit_its_scores_may_move_with(
    index: TantivyIndex,
) -> None:
    await index.write([product("a1", name="red red pen", category="audio"),
                       product("a2", name="pen pen pen red", category="audio")])
    reads: dict[Read, int | None] = {}
    request = SearchRequest(text="red pen", filters=(AUDIO,), sort=RELEVANCE)
    before = [h.sort_values for h in (await TrackedIndex(index, reads).search(
        PRODUCT, request)).hits]
    await index.write([product(f"v{i}", name="red", category="video") for i in range(20)])
    after = [h.sort_values for h in (await index.search(PRODUCT, request)).hits]
    assert after != before  # BM25 counts the video products' words too
    assert any(index.generation(*read) != seen for read, seen in reads.items())
    by_price: dict[Read, int | None] = {}
    await TrackedIndex(index, by_price).search(
        PRODUCT, SearchRequest(text="red pen", filters=(AUDIO,), sort=Sort("price_cents")))
    await index.write([product("v99", name="red", category="video")])
    assert all(index.generation(*read) == seen for read, seen in by_price.items())
