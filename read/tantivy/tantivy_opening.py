"""Opening one version of the embedded index, and taking the lock of the process projecting it.

A version directory is opened with this code's schema (versions are per layout, so it always is
the schema the directory was made with) and the analyzer its text fields were indexed with.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

import tantivy

from read.tantivy.tantivy_generations import Generations
from read.tantivy.tantivy_schema import ANALYZER
from read.tantivy.tantivy_versions import FileLock, IndexVersions
from read.tantivy.tantivy_writer import IndexLocked, TantivyWriter

log = logging.getLogger(__name__)
LOCK_POLL = 0.2  # seconds between looks at a lock a rebuild holds


def open_index(
    path: Path, schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer
) -> tantivy.Index:
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema, path=str(path), reuse=True)
    index.register_tokenizer(ANALYZER, analyzer)
    # Reloaded only when told (after a commit here, or by ReadFollower): tantivy's default reloads
    # on its own, a moment after any commit, and then an answer kept by its generation
    # (tantivy_generations.py) could outlive what the searcher holds.
    index.config_reader(reload_policy="manual")
    return index


async def open_version(
    path: Path, schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer, read_only: bool,
    generations: Generations,
) -> tuple[tantivy.Index, TantivyWriter]:
    """The version at `path` and its writer (which takes tantivy's lock unless read-only)."""
    index = open_index(path, schema, analyzer)
    # The writer reads its own index's versions, so that it can move to another TantivyIndex
    # (a hand-over's switch) and keep reading the index it writes.
    writer = TantivyWriter(index, schema, index.searcher, read_only, generations)
    await writer.open(path)  # IndexLocked
    return index, writer


async def hold_projector_lock(versions: IndexVersions, lock: FileLock) -> None:
    """Take the layout's projector lock, waiting while a rebuild holds it to hand over; a
    projector elsewhere holding it is IndexLocked, at once."""
    waiting = False
    while not lock.try_acquire(f"pid {os.getpid()}"):
        rebuild = versions.rebuild_lock()
        if rebuild.try_acquire():  # no rebuild runs: another projector holds it
            rebuild.release()
            holder = lock.holder()
            raise IndexLocked(
                f"the index at {versions.root} is in use by another process "
                f"(tantivy: one writer){f' ({holder})' if holder else ''}"
            )
        if not waiting:
            log.info("waiting for `diptych rebuild` (%s) to hand the index over",
                     rebuild.holder() or "another process")
            waiting = True
        await asyncio.sleep(LOCK_POLL)


MetaStamp = tuple[int, int, int, bytes | None]
RECENT_NS = 100_000_000  # a meta.json younger than this is told apart by its content as well


def _meta_stamp(path: Path) -> MetaStamp:
    """What changes when a commit replaces meta.json (tantivy writes it anew, then renames).

    Inode, mtime and size alone can miss a commit: a file system's mtime moves in steps of a few
    milliseconds, inodes are reused, and two commits in one step may leave a meta.json of the
    same size. So a recent one is also read (its opstamp differs at every commit); an older one
    would have another mtime after any later commit. With the reader reloaded only when told,
    a missed commit would stay unseen, and so would the answers kept from before it."""
    file = path / "meta.json"
    try:
        stat = file.stat()
        recent = time.time_ns() - stat.st_mtime_ns < RECENT_NS
        content = file.read_bytes() if recent else None
    except FileNotFoundError:
        return (0, 0, 0, None)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size, content)


class ReadFollower:
    """What a read-only index reads: the version the read pointer names (opened anew when a
    rebuild's swap changes it), reloaded once after each commit another process makes. The
    projector names a version to read only once it holds everything the previous one did."""

    def __init__(
        self, versions: IndexVersions, schema: tantivy.Schema, analyzer: tantivy.TextAnalyzer
    ) -> None:
        self._versions, self._schema, self._analyzer = versions, schema, analyzer
        self._pointers_seen: tuple[int, int, int] = (-1, -1, -1)
        self._meta_seen: MetaStamp = (-1, -1, -1, None)

    def opened(self) -> None:
        """Call before reading the pointers to open: a swap after it is noticed."""
        self._pointers_seen = self._versions.stamp()

    def current(self, index: tantivy.Index, name: str) -> tuple[tantivy.Index, str]:
        """The index and version to read now, given those read so far. Not thread-safe: the
        caller holds a lock around this call and its keeping of the answer."""
        stamp = self._versions.stamp()
        if stamp != self._pointers_seen:
            self._pointers_seen = stamp
            pointed = self._versions.pointers().read
            path = self._versions.path(pointed)
            if pointed != name and (path / "meta.json").exists():
                index, name = open_index(path, self._schema, self._analyzer), pointed
                self._meta_seen = (-1, -1, -1, None)
                log.info("tantivy index follows the read version %s", path)
        seen = _meta_stamp(self._versions.path(name))
        if seen != self._meta_seen:
            index.reload()
            self._meta_seen = seen
        return index, name

    def behind(self, name: str) -> bool:
        """Whether another process committed, or named another version, since `current` last
        looked: what a search would read then differs from what was read (two stat calls)."""
        return (self._versions.stamp() != self._pointers_seen
                or _meta_stamp(self._versions.path(name)) != self._meta_seen)
