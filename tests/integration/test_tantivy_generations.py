"""`generation(kind)` of the embedded index (read/tantivy/tantivy_generations.py), on real
tantivy directories: it moves on with every reload that may change what a search of the kind
answers, and a read-only index says None while another process's commit waits to be followed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from read.index import Checkpoint, SearchRequest
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER
from read.tantivy.tantivy_index import TantivyIndex
from read.tantivy.tantivy_opening import _meta_stamp
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
