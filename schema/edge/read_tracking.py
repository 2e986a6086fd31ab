"""The search index as one request's resolvers see it while its answer may be kept: each kind
they read is noted with its generation, taken before the first read of it
(schema/edge/answer_cache.py says why before). A search or an aggregation filtered on a term
notes the generation of the documents matching that term only (the first term filter with a
text value: every document it can see has that value), so that writes of other documents leave
its answer standing; not a search asking for facets, whose counts leave out the filter on their
own field (read/tantivy/tantivy_search.py). A full-text search ordered by relevance notes
EVERY_KIND too: its scores move with any document holding the words, of any kind. Anything but
a read of documents (a checkpoint, a write) notes that the answer cannot be kept."""

from __future__ import annotations

from collections.abc import Sequence

from read.index import (
    EVERY_KIND,
    JSON,
    Checkpoint,
    Document,
    Filter,
    SearchIndex,
    SearchPage,
    SearchRequest,
    Term,
    Write,
    WriteResult,
)

Read = tuple[str, Term | None]  # a kind, and the term every document read of it matched
UNKEEPABLE: Read = ("", None)  # noted for a read that no generation covers


class TrackedIndex:
    def __init__(self, index: SearchIndex, reads: dict[Read, int | None]) -> None:
        self._index, self.reads = index, reads

    def _reading(self, kind: str, filters: Sequence[Filter] = ()) -> None:
        within = next((f for f in filters if isinstance(f, Term) and isinstance(f.value, str)),
                      None)
        if (kind, within) not in self.reads:
            self.reads[(kind, within)] = self._index.generation(kind, within)

    def _searching(self, kind: str, request: SearchRequest) -> None:
        self._reading(kind, () if request.facets else request.filters)
        if request.text and request.sort.field is None:  # by relevance
            self._reading(EVERY_KIND)

    async def get(self, kind: str, id: str) -> Document | None:
        self._reading(kind)
        return await self._index.get(kind, id)

    async def get_many(self, kind: str, ids: Sequence[str]) -> dict[str, Document]:
        self._reading(kind)
        return await self._index.get_many(kind, ids)

    async def version_of(self, kind: str, id: str) -> int | None:
        self._reading(kind)
        return await self._index.version_of(kind, id)

    async def visible(self, kind: str, id: str) -> Document | None:
        self._reading(kind)
        return await self._index.visible(kind, id)

    async def search(self, kind: str, request: SearchRequest) -> SearchPage:
        self._searching(kind, request)
        return await self._index.search(kind, request)

    async def aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None = None
    ) -> JSON:
        self._reading(kind, filters)
        return await self._index.aggregate(kind, filters, aggregations, text)

    def generation(self, kind: str, within: Term | None = None) -> int | None:
        return self._index.generation(kind, within)

    async def checkpoint(self, name: str) -> int:
        self.reads[UNKEEPABLE] = None
        return await self._index.checkpoint(name)

    # -- not for resolvers: refused, so that no query path comes to depend on them -------------

    async def open(self) -> None:
        raise RuntimeError("a request's index is opened by the lifespan")

    async def close(self) -> None:
        raise RuntimeError("a request's index is closed by the lifespan")

    async def write(
        self, writes: Sequence[Write], checkpoint: Checkpoint | None = None
    ) -> WriteResult:
        raise RuntimeError("queries never write the index")

    async def clear(self) -> None:
        raise RuntimeError("queries never write the index")

    async def write_version_changed(self) -> bool:
        raise RuntimeError("versions are the projector's")

    async def open_write_version(self) -> TrackedIndex:
        raise RuntimeError("versions are the projector's")

    async def switch_to(self, other: TrackedIndex) -> None:
        raise RuntimeError("versions are the projector's")

    async def drop_old_versions(self, keep: int) -> tuple[str, ...]:
        raise RuntimeError("versions are the projector's")
