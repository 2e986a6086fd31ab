"""An in-memory stand-in for the search-index port, for unit tests of projection logic.

It keeps the port's write semantics exactly (external versions, stale writes counted and named,
tombstones, checkpoints that never move back): tests/unit/test_memory_index.py runs the write
part of the port's contract against it. Searching and aggregating are what the real adapters are
for: the whole contract (tests/contracts/index_contract.py) runs against tantivy, and
Elasticsearch when one is reachable, so here they refuse loudly instead of pretending (and so
check no request either: read/index_requests.py is for indices that search).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence

from read.index import (
    JSON,
    Checkpoint,
    Delete,
    Document,
    Filter,
    SearchPage,
    SearchRequest,
    Term,
    Write,
    WriteResult,
)


class MemoryIndex:
    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], tuple[int, JSON | None]] = {}
        self.checkpoints: dict[str, int] = {}
        self.before_write: Callable[[], Awaitable[None]] | None = None  # a concurrent writer

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def get(self, kind: str, id: str) -> Document | None:
        version, body = self.documents.get((kind, id), (0, None))
        return Document(kind, id, version, copy.deepcopy(body)) if body is not None else None

    async def get_many(self, kind: str, ids: Sequence[str]) -> dict[str, Document]:
        found = {i: await self.get(kind, i) for i in ids}
        return {i: d for i, d in found.items() if d is not None}

    async def version_of(self, kind: str, id: str) -> int | None:
        return self.documents[(kind, id)][0] if (kind, id) in self.documents else None

    async def visible(self, kind: str, id: str) -> Document | None:
        return await self.get(kind, id)

    async def write(
        self, writes: Sequence[Write], checkpoint: Checkpoint | None = None
    ) -> WriteResult:
        if self.before_write is not None:
            hook, self.before_write = self.before_write, None
            await hook()
        stale, rejected = 0, []
        for write in writes:
            key = (write.kind, write.id)
            if write.version <= self.documents.get(key, (0, None))[0]:
                stale += 1
                rejected.append(key)
                continue
            body = None if isinstance(write, Delete) else copy.deepcopy(write.body)
            self.documents[key] = (write.version, body)
        if checkpoint is not None:
            current = self.checkpoints.get(checkpoint.name, 0)
            self.checkpoints[checkpoint.name] = max(current, checkpoint.position)
        return WriteResult(len(writes) - stale, stale, tuple(dict.fromkeys(rejected)))

    async def checkpoint(self, name: str) -> int:
        return self.checkpoints.get(name, 0)

    async def search(self, kind: str, request: SearchRequest) -> SearchPage:
        raise NotImplementedError("searching is tested against real indexes (integration tests)")

    async def aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None = None
    ) -> JSON:
        raise NotImplementedError("aggregating is tested against real indexes")

    async def clear(self) -> None:
        self.documents.clear()
        self.checkpoints.clear()

    def generation(self, kind: str, within: Term | None = None) -> int | None:
        return None  # nothing read from it is kept: the answer cache is tested on tantivy

    async def write_version_changed(self) -> bool:
        return False  # one version only: nothing to follow

    async def open_write_version(self) -> MemoryIndex:
        raise NotImplementedError("the in-memory index has no versions")

    async def switch_to(self, other: MemoryIndex) -> None:
        raise NotImplementedError("the in-memory index has no versions")

    async def drop_old_versions(self, keep: int) -> tuple[str, ...]:
        return ()

    def body(self, kind: str, id: str) -> JSON:
        body = self.documents[(kind, id)][1]
        assert body is not None, f"{kind}/{id} is a tombstone"
        return body
