"""The embedded search index: tantivy on disk, behind the `SearchIndex` port.

Tantivy allows one writer per index directory, held through a lock file. A writable index takes
it on `open()`, so a second process on the same directory fails at once with `IndexLocked`; a
read-only one (an API replica beside a separate projector) never takes it. Calls into tantivy run
in a worker thread (tantivy releases the GIL), keeping the event loop free: reads on the default
executor, writes on the writer's own thread (`read/tantivy/tantivy_writer.py`).

The index has versions (`read/tantivy/tantivy_versions.py`): one directory each, and pointers to
the one queries read and the one the projector writes. A read-only index follows the read pointer
(checked like meta.json, at each search); the projector's index opens the read version and moves
to a newly built one when `workers/index_handover.py` tells it to (`switch_to`), after catching
it up. `diptych rebuild` opens the version it builds by name (`version=`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import tantivy

from read.index import (
    EVERY_KIND,
    JSON,
    Checkpoint,
    Document,
    Filter,
    InvalidSearch,
    SearchPage,
    SearchRequest,
    Term,
    Write,
    WriteResult,
)
from read.index_requests import check_filters, checked_search, spec_of
from read.tantivy.tantivy_generations import Generations
from read.tantivy.tantivy_opening import ReadFollower, hold_projector_lock, open_version
from read.tantivy.tantivy_schema import (
    CHECKPOINT_KIND,
    analyzer,
    build_schema,
    fingerprint,
    key,
    keyword_fields,
    stored_by_key,
)
from read.tantivy.tantivy_search import Search
from read.tantivy.tantivy_versions import IndexVersions
from read.tantivy.tantivy_writer import IndexLocked, TantivyWriter

__all__ = ["IndexLocked", "TantivyIndex"]
log = logging.getLogger(__name__)
T = TypeVar("T")


class TantivyIndex:
    def __init__(
        self, directory: Path, read_only: bool = False, version: str | None = None
    ) -> None:
        """`directory` holds the versions; `version` names one to open (a rebuild's own), else
        the read pointer's is opened, and a writable one then holds the layout's projector
        lock: one projecting process per layout, as tantivy's one writer per directory."""
        self.directory = directory
        self.read_only = read_only
        self.version = version or ""
        self._pinned = version is not None
        self._versions = IndexVersions(directory, fingerprint())
        self._projector_lock = self._versions.projector_lock()
        self._schema = build_schema()
        self._analyzer = analyzer()
        self._index: tantivy.Index | None = None
        self._writer: TantivyWriter | None = None
        self._path = directory
        self._generations = Generations()
        self._follower = ReadFollower(self._versions, self._schema, self._analyzer)
        self._following = threading.Lock()

    async def open(self) -> None:
        if not (self.read_only or self._pinned):
            await hold_projector_lock(self._versions, self._projector_lock)
        self._follower.opened()
        name = self.version if self._pinned else self._versions.pointers().read
        path = self._versions.path(name)
        try:
            self._index, self._writer = await open_version(
                path, self._schema, self._analyzer, self.read_only, self._generations
            )
        except BaseException:
            self._projector_lock.release()
            raise
        self.version, self._path = name, path
        self._generations.everything()
        log.info("tantivy index at %s%s", self._path, " (read-only)" if self.read_only else "")

    async def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()
        self._index = None
        self._projector_lock.release()

    # -- versions (workers/index_handover.py, diptych/rebuild_command.py) -----------------------

    async def write_version_changed(self) -> bool:
        """Whether a rebuild named another version for this projector to write."""
        if self.read_only or self._pinned or self._index is None:
            return False
        return self._versions.pointers().write != self.version

    async def open_write_version(self) -> TantivyIndex:
        """The version named to write, opened writable beside this one (to catch it up)."""
        other = TantivyIndex(self.directory, version=self._versions.pointers().write)
        await other.open()
        return other

    async def switch_to(self, other: TantivyIndex) -> None:
        """Read and write `other`'s version from now on, then name it the version to read. The
        caller has stopped every batch first, and caught `other` up to this one's position."""
        old = self._writer
        self._index, self._writer, self._path = other._index, other._writer, other._path
        self.version = other.version
        other._index = other._writer = None
        if self._writer is not None:
            self._writer.generations = self._generations
        self._generations.everything()
        self._versions.point(read=self.version, write=self.version)
        if old is not None:
            await old.close()
        log.info("tantivy index switched to %s", self._path)

    async def drop_old_versions(self, keep: int) -> tuple[str, ...]:
        """Delete all but the newest `keep` versions of this layout (never the read or written)."""
        dropped = await asyncio.to_thread(self._versions.drop_old, keep)
        if dropped:
            log.info("dropped old index versions %s", ", ".join(dropped))
        return tuple(dropped)

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

    def generation(self, kind: str, within: Term | None = None) -> int | None:
        if self._index is None:
            return None
        if self.read_only and not self._pinned and self._follower.behind(self.version):
            return None  # the next search reloads, and moves the generation on
        if kind == EVERY_KIND:
            return self._generations.latest()
        if (within is not None and isinstance(within.value, str)
                and within.field in keyword_fields(kind)):
            return self._generations.of(kind, (kind, within.field, within.value))
        return self._generations.of(kind)

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
        if self.read_only and not self._pinned:  # another process writes: follow it
            with self._following:  # searches run on several threads
                if self._follower.behind(self.version):
                    with self._generations.reloading(None):
                        index, self.version = self._follower.current(
                            self._require_index(), self.version)
                        self._index, self._path = index, self._versions.path(self.version)
                index = self._require_index()
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
