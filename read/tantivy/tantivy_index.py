"""The embedded search index: tantivy on disk, behind the `SearchIndex` port.

Tantivy allows one writer per index directory, held through a lock file. A writable index takes
it on `open()`, so a second process on the same directory fails at once with `IndexLocked`; a
read-only one (an API replica beside a separate projector) never takes it. Calls into tantivy run
in a worker thread (tantivy releases the GIL), keeping the event loop free: reads on the default
executor, writes on the index's own thread, so that a burst of searches can never hold up the
projector's commits (nor commits the searches), and the writer is only ever used from one thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import tantivy
from tantivy import Query

from read.documents import SPECS
from read.index import (
    JSON,
    Checkpoint,
    Document,
    Filter,
    InvalidCursor,
    InvalidSearch,
    SearchPage,
    SearchRequest,
    Write,
    WriteResult,
)
from read.tantivy.tantivy_schema import (
    ANALYZER,
    CHECKPOINT_KIND,
    KEY,
    analyzer,
    build_schema,
    checkpoint_document,
    fingerprint,
    from_tantivy,
    key,
    to_tantivy,
)
from read.tantivy.tantivy_search import InvalidCursorValues, Search

log = logging.getLogger(__name__)
T = TypeVar("T")
WRITER_HEAP = 64_000_000


class IndexLocked(RuntimeError):
    """Another process holds this index's writer lock."""


@dataclass
class _Request:
    writes: Sequence[Write]
    checkpoint: Checkpoint | None
    result: asyncio.Future[WriteResult]


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
        self._writer: tantivy.IndexWriter | None = None
        self._writes: ThreadPoolExecutor | None = None  # one thread, from open() to close()
        self._write_lock = asyncio.Lock()
        self._waiting: list[_Request] = []
        self._path = directory
        self._meta_seen = (-1, -1, -1)

    async def open(self) -> None:
        path = self.directory / f"v-{fingerprint()}"
        path.mkdir(parents=True, exist_ok=True)
        self._path = path
        index = tantivy.Index(self._schema, path=str(path), reuse=True)
        index.register_tokenizer(ANALYZER, self._analyzer)
        self._index = index
        self._writes = ThreadPoolExecutor(1, thread_name_prefix="tantivy-writes")
        if not self.read_only:
            try:
                await self._run_write(self._require_writer)
            except ValueError as error:
                self._index = None
                self._writes.shutdown(wait=False)
                self._writes = None
                raise IndexLocked(
                    f"the index at {path} is in use by another process (tantivy: one writer)"
                ) from error
        log.info("tantivy index at %s%s", path, " (read-only)" if self.read_only else "")

    async def close(self) -> None:
        async with self._write_lock:
            writer, self._writer = self._writer, None
            if writer is not None:  # queued behind any write still running (a cancelled one)
                await self._run_write(writer.wait_merging_threads)  # releases the lock too
            writes, self._writes = self._writes, None
            if writes is not None:
                writes.shutdown(wait=False)  # nothing is queued: its thread ends at once
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
        """Writers that arrive during a commit share the next one (group commit): a projector
        consuming several shards makes one commit for all of them, not one each in turn."""
        request = _Request(writes, checkpoint, asyncio.get_running_loop().create_future())
        self._waiting.append(request)
        async with self._write_lock:
            if not request.result.done():  # no earlier commit took it along: take all waiting
                batch, self._waiting = self._waiting, []
                try:
                    results = await self._run_write(self._write_batch, batch)
                except BaseException as error:
                    for waiting in batch:
                        waiting.result.set_exception(error)
                else:
                    for waiting, result in zip(batch, results, strict=True):
                        waiting.result.set_result(result)
        return await request.result

    async def search(self, kind: str, request: SearchRequest) -> SearchPage:
        if kind not in SPECS:
            raise InvalidSearch(f"no document kind {kind!r}")
        try:
            return await self._run(self._search, kind, request)
        except InvalidCursorValues as error:
            raise InvalidCursor(str(error)) from error
        except ValueError as error:
            raise InvalidSearch(f"cannot search {kind}: {error}") from error

    async def aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None = None
    ) -> JSON:
        if kind not in SPECS:
            raise InvalidSearch(f"no document kind {kind!r}")
        try:
            return await self._run(self._aggregate, kind, filters, aggregations, text)
        except ValueError as error:
            raise InvalidSearch(f"cannot aggregate {kind}: {error}") from error

    async def clear(self) -> None:
        async with self._write_lock:
            await self._run_write(self._clear)

    # -- in the worker thread ------------------------------------------------------------------

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.to_thread(function, *args)

    async def _run_write(self, function: Callable[..., T], *args: object) -> T:
        if self._writes is None:
            raise RuntimeError("the tantivy index is not open")
        call = functools.partial(contextvars.copy_context().run, function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._writes, call)

    def _require_index(self) -> tantivy.Index:
        if self._index is None:
            raise RuntimeError("the tantivy index is not open")
        return self._index

    def _stored(self, keys: Sequence[str]) -> dict[str, tuple[Document | None, int]]:
        """Each key's stored document (None for a tombstone) and version; absent keys left out."""
        if not keys:
            return {}
        searcher = self._searcher()
        query = Query.term_set_query(self._schema, KEY, list(keys))
        found = {}
        for _, address in searcher.search(query, len(keys)).hits:
            stored = searcher.doc(address)
            found[str(stored.get_first(KEY))] = from_tantivy(stored)
        return found

    def _write_batch(self, batch: Sequence[_Request]) -> list[WriteResult]:
        """Each request's writes in turn, as if written one after the other; one commit."""
        names = {r.checkpoint.name for r in batch if r.checkpoint is not None}
        keys = list({key(w.kind, w.id) for request in batch for w in request.writes})
        keys += [key(CHECKPOINT_KIND, name) for name in names]
        current = {k: version for k, (_, version) in self._stored(keys).items()}
        latest: dict[str, Write] = {}
        results = []
        for request in batch:
            stale = 0
            rejected: dict[tuple[str, str], None] = {}
            for write in request.writes:
                k = key(write.kind, write.id)
                if write.version <= current.get(k, 0):
                    stale += 1
                    rejected[(write.kind, write.id)] = None
                    continue
                current[k], latest[k] = write.version, write
            applied = len(request.writes) - stale
            results.append(WriteResult(applied, stale, tuple(rejected)))
        documents = [(k, to_tantivy(w)) for k, w in latest.items()]
        positions: dict[str, int] = {}
        for request in batch:
            if request.checkpoint is not None:
                name, position = request.checkpoint.name, request.checkpoint.position
                positions[name] = max(position, positions.get(name, 0))
        for name, position in positions.items():
            if position > current.get(key(CHECKPOINT_KIND, name), 0):
                documents.append((key(CHECKPOINT_KIND, name), checkpoint_document(name, position)))
        if documents:
            self._commit(documents)
        return results

    def _commit(self, documents: list[tuple[str, tantivy.Document]]) -> None:
        writer = self._require_writer()
        try:
            for k, document in documents:
                writer.delete_documents_by_term(KEY, k)
                writer.add_document(document)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        self._require_index().reload()

    def _searcher(self) -> tantivy.Searcher:
        index = self._require_index()
        if self.read_only:  # another process writes: pick up its commits, once each
            seen = _meta_stamp(self._path)
            if seen != self._meta_seen:
                index.reload()
                self._meta_seen = seen
        return index.searcher()

    def _require_writer(self) -> tantivy.IndexWriter:
        if self.read_only:
            raise RuntimeError("this index was opened read-only")
        if self._writer is None:
            self._writer = self._require_index().writer(WRITER_HEAP, 1)
        return self._writer

    def _search(self, kind: str, request: SearchRequest) -> SearchPage:
        search = Search(self._schema, self._searcher(), self._analyzer.analyze, SPECS[kind])
        return search.run(request)

    def _aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None
    ) -> JSON:
        search = Search(self._schema, self._searcher(), self._analyzer.analyze, SPECS[kind])
        query = search.query(SearchRequest(text=text), filters)
        result: JSON = search.searcher.aggregate(query, aggregations)
        return result

    def _clear(self) -> None:
        writer = self._require_writer()
        writer.delete_all_documents()
        writer.commit()
        self._require_index().reload()
