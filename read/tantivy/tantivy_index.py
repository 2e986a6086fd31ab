"""The embedded search index: tantivy on disk, behind the `SearchIndex` port.

Tantivy allows one writer per index directory, held through a lock file. A writable index takes
it on `open()`, so a second process on the same directory fails at once with `IndexLocked`; a
read-only one (an API replica beside a separate projector) never takes it. Calls into tantivy run
in a worker thread (tantivy releases the GIL), keeping the event loop free: reads on the default
executor, writes on the writer's own thread (`read/tantivy/tantivy_writer.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import tantivy

from read.index import (
    JSON,
    Checkpoint,
    Document,
    Filter,
    InvalidSearch,
    SearchPage,
    SearchRequest,
    Write,
    WriteResult,
)
from read.index_requests import check_filters, checked_search, spec_of
from read.tantivy.tantivy_schema import (
    ANALYZER,
    CHECKPOINT_KIND,
    analyzer,
    build_schema,
    fingerprint,
    key,
    stored_by_key,
)
from read.tantivy.tantivy_search import Search
from read.tantivy.tantivy_writer import IndexLocked, TantivyWriter

__all__ = ["IndexLocked", "TantivyIndex"]
log = logging.getLogger(__name__)
T = TypeVar("T")


def _meta_stamp(path: Path) -> tuple[int, int, int]:
    """What changes when a commit replaces meta.json (tantivy writes it anew, then renames)."""
    try:
        stat = (path / "meta.json").stat()
    except FileNotFoundError:
        return (0, 0, 0)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


class TantivyIndex:
    def __init__(self, directory: Path, read_only: bool = False) -> None:
        self.directory = directory
        self.read_only = read_only
        self._schema = build_schema()
        self._analyzer = analyzer()
        self._index: tantivy.Index | None = None
        self._writer: TantivyWriter | None = None
        self._path = directory
        self._meta_seen = (-1, -1, -1)

    async def open(self) -> None:
        path = self.directory / f"v-{fingerprint()}"
        path.mkdir(parents=True, exist_ok=True)
        self._path = path
        index = tantivy.Index(self._schema, path=str(path), reuse=True)
        index.register_tokenizer(ANALYZER, self._analyzer)
        writer = TantivyWriter(index, self._schema, self._searcher, self.read_only)
        self._index = index
        try:
            await writer.open(path)
        except IndexLocked:
            self._index = None
            raise
        self._writer = writer
        log.info("tantivy index at %s%s", path, " (read-only)" if self.read_only else "")

    async def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()
        self._index = None

    async def get(self, kind: str, id: str) -> Document | None:
        found = await self.get_many(kind, [id])
        return found.get(id)

    async def get_many(self, kind: str, ids: Sequence[str]) -> dict[str, Document]:
        stored = await self._run(self._stored, [key(kind, i) for i in ids])
        return {doc.id: doc for doc, _ in stored.values() if doc is not None}

    async def version_of(self, kind: str, id: str) -> int | None:
        stored = await self._run(self._stored, [key(kind, id)])
        return next((version for _, version in stored.values()), None)

    async def visible(self, kind: str, id: str) -> Document | None:
        return await self.get(kind, id)  # a tantivy write is searchable once committed

    async def checkpoint(self, name: str) -> int:
        return await self.version_of(CHECKPOINT_KIND, name) or 0

    async def write(
        self, writes: Sequence[Write], checkpoint: Checkpoint | None = None
    ) -> WriteResult:
        return await self._require_writer().write(writes, checkpoint)

    async def search(self, kind: str, request: SearchRequest) -> SearchPage:
        request = checked_search(spec_of(kind), request)  # InvalidSearch / InvalidCursor
        try:
            return await self._run(self._search, kind, request)
        except ValueError as error:  # what tantivy itself refuses
            raise InvalidSearch(f"cannot search {kind}: {error}") from error

    async def aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None = None
    ) -> JSON:
        check_filters(spec_of(kind), filters)
        try:
            return await self._run(self._aggregate, kind, filters, aggregations, text)
        except ValueError as error:  # an aggregation tantivy cannot run
            raise InvalidSearch(f"cannot aggregate {kind}: {error}") from error

    async def clear(self) -> None:
        await self._require_writer().clear()

    # -- in a worker thread --------------------------------------------------------------------

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.to_thread(function, *args)

    def _require_index(self) -> tantivy.Index:
        if self._index is None:
            raise RuntimeError("the tantivy index is not open")
        return self._index

    def _require_writer(self) -> TantivyWriter:
        if self._writer is None:
            raise RuntimeError("the tantivy index is not open")
        return self._writer

    def _stored(self, keys: Sequence[str]) -> dict[str, tuple[Document | None, int]]:
        if not keys:  # no searcher needed, nor an open index
            return {}
        return stored_by_key(self._searcher(), self._schema, keys)

    def _searcher(self) -> tantivy.Searcher:
        index = self._require_index()
        if self.read_only:  # another process writes: pick up its commits, once each
            seen = _meta_stamp(self._path)
            if seen != self._meta_seen:
                index.reload()
                self._meta_seen = seen
        return index.searcher()

    def _search(self, kind: str, request: SearchRequest) -> SearchPage:
        search = Search(self._schema, self._searcher(), self._analyzer.analyze, spec_of(kind))
        return search.run(request)

    def _aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None
    ) -> JSON:
        search = Search(self._schema, self._searcher(), self._analyzer.analyze, spec_of(kind))
        query = search.query(SearchRequest(text=text), filters)
        result: JSON = search.searcher.aggregate(query, aggregations)
        return result
