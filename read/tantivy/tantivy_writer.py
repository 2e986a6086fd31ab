"""The tantivy index's one writer: its own thread, and commits shared by the writers that wait.

Tantivy allows one writer per index directory, held through a lock file, and the writer must only
ever be used from one thread. Every write runs on a thread of the writer's own, not on the default
executor the searches use, so that a burst of searches can never hold up the projector's commits
(nor commits the searches).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import tantivy

from read.index import Checkpoint, Upsert, Write, WriteResult
from read.tantivy.tantivy_generations import Generations
from read.tantivy.tantivy_schema import (
    CHECKPOINT_KIND,
    KEY,
    checkpoint_document,
    key,
    scopes_of,
    stored_by_key,
    to_tantivy,
)

T = TypeVar("T")
WRITER_HEAP = 64_000_000


class IndexLocked(RuntimeError):
    """Another process holds this index's writer lock."""


@dataclass
class _Request:
    writes: Sequence[Write]
    checkpoint: Checkpoint | None
    result: asyncio.Future[WriteResult]


class TantivyWriter:
    """Writes into one opened `tantivy.Index`, from `open()` to `close()`. A read-only one never
    takes the writer lock, and refuses every write that would change a document.

    `searcher` is the index's own: the versions a batch is compared with are read as searches
    read them."""

    def __init__(
        self,
        index: tantivy.Index,
        schema: tantivy.Schema,
        searcher: Callable[[], tantivy.Searcher],
        read_only: bool,
        generations: Generations,
    ) -> None:
        self.index, self.schema, self.read_only = index, schema, read_only
        # Told of each reload after a commit; a hand-over's switch gives it the live index's.
        self.generations = generations
        self._searcher = searcher
        self._writer: tantivy.IndexWriter | None = None
        self._thread: ThreadPoolExecutor | None = None  # one thread, from open() to close()
        self._lock = asyncio.Lock()
        self._waiting: list[_Request] = []
        self._committing: asyncio.Future[list[WriteResult]] | None = None

    async def open(self, path: Path) -> None:
        """Takes the writer lock at once, so a second process on `path` fails here."""
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tantivy-writes")
        if self.read_only:
            return
        try:
            await self._run(self._require_writer)
        except ValueError as error:
            self._thread.shutdown(wait=False)
            self._thread = None
            raise IndexLocked(
                f"the index at {path} is in use by another process (tantivy: one writer)"
            ) from error

    async def close(self) -> None:
        async with self._lock:
            if self._committing is not None:  # its writer was cancelled; the commit goes on
                await asyncio.wait([self._committing])
            writer, self._writer = self._writer, None
            if writer is not None:  # queued behind any write still running (a cancelled one)
                await self._run(writer.wait_merging_threads)  # releases the lock too
            thread, self._thread = self._thread, None
            if thread is not None:
                thread.shutdown(wait=False)  # nothing is queued: its thread ends at once

    async def write(
        self, writes: Sequence[Write], checkpoint: Checkpoint | None = None
    ) -> WriteResult:
        """Writers that arrive during a commit share the next one (group commit): a projector
        consuming several shards makes one commit for all of them, not one each in turn."""
        request = _Request(writes, checkpoint, asyncio.get_running_loop().create_future())
        self._waiting.append(request)
        async with self._lock:
            if not request.result.done():  # no earlier commit took it along: take all waiting
                batch, self._waiting = self._waiting, []
                commit = asyncio.ensure_future(self._run(self._write_batch, batch))
                commit.add_done_callback(functools.partial(_deliver, batch))
                self._committing = commit
                # The commit is the whole group's: cancelling this writer (its shard stopping)
                # must not cancel the others' writes nor hand them its CancelledError. The
                # writer's one thread runs the next commit only after this one anyway.
                await asyncio.shield(commit)
        return await request.result

    async def clear(self) -> None:
        async with self._lock:
            await self._run(self._clear)

    # -- on the writer's thread ----------------------------------------------------------------

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        if self._thread is None:
            raise RuntimeError("the tantivy index is not open")
        call = functools.partial(contextvars.copy_context().run, function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    def _write_batch(self, batch: Sequence[_Request]) -> list[WriteResult]:
        """Each request's writes in turn, as if written one after the other; one commit."""
        names = {r.checkpoint.name for r in batch if r.checkpoint is not None}
        keys = list({key(w.kind, w.id) for request in batch for w in request.writes})
        keys += [key(CHECKPOINT_KIND, name) for name in names]
        stored = stored_by_key(self._searcher(), self.schema, keys)
        current = {k: version for k, (_, version) in stored.items()}
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
            kinds = {write.kind for write in latest.values()}
            scopes = set()  # each changed document's, as stored before and as written now
            for k, write in latest.items():
                before = stored.get(k, (None, 0))[0]
                after = write.body if isinstance(write, Upsert) else None
                scopes.update(scopes_of(write.kind, before.body if before else None))
                scopes.update(scopes_of(write.kind, after))
            self._commit(documents, kinds | ({CHECKPOINT_KIND} if positions else set()), scopes)
        return results

    def _commit(self, documents: list[tuple[str, tantivy.Document]], kinds: set[str],
                scopes: set[tuple[str, str, str]]) -> None:
        writer = self._require_writer()
        try:
            for k, document in documents:
                writer.delete_documents_by_term(KEY, k)
                writer.add_document(document)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        with self.generations.reloading(kinds, scopes):
            self.index.reload()

    def _require_writer(self) -> tantivy.IndexWriter:
        if self.read_only:
            raise RuntimeError("this index was opened read-only")
        if self._writer is None:
            self._writer = self.index.writer(WRITER_HEAP, 1)
        return self._writer

    def _clear(self) -> None:
        writer = self._require_writer()
        writer.delete_all_documents()
        writer.commit()
        with self.generations.reloading(None):
            self.index.reload()


def _deliver(batch: Sequence[_Request], commit: asyncio.Future[list[WriteResult]]) -> None:
    """Each writer of the group its own result, or the commit's error."""
    error = asyncio.CancelledError() if commit.cancelled() else commit.exception()
    for i, waiting in enumerate(batch):
        if waiting.result.done():  # its writer was cancelled meanwhile
            continue
        if error is not None:
            waiting.result.set_exception(error)
            waiting.result.exception()  # retrieved: a cancelled committer never awaits its own
        else:
            waiting.result.set_result(commit.result()[i])
