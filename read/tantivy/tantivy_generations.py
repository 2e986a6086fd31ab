"""What changed in the embedded index, and when: the `generation(kind)` of the index port.

The index's reader reloads only when told to (`ReloadPolicy` manual, tantivy_opening.py): after
each commit of this process's writer, and when a read-only follower sees another process's
commit or a new read version. Each reload runs inside `reloading(kinds)`: while it runs no
generation is told (None: nothing is kept, nothing kept is served), and when it is over the
kinds it may have changed have a new generation. A reader that takes a kind's generation before
reading it can then keep its answer while that generation stands: a reload it raced with at
worst leaves an answer labelled older than what it read, which is dropped, never the reverse;
and once any read has seen a reload's documents, no answer from before it is served again.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Collection, Iterable, Iterator


class Generations:
    """A counter per kind, bumped by reloads from any thread; `everything()` for a reload that
    may have changed every kind (another process's commit, a clear, a new version)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._all = 0
        self._kinds: dict[str, int] = {}
        self._reloads = 0  # running now

    @contextlib.contextmanager
    def reloading(self, kinds: Collection[str] | None) -> Iterator[None]:
        """Around a reload that may change `kinds` (None: every kind)."""
        with self._lock:
            self._reloads += 1
        try:
            yield
        finally:
            if kinds is None:
                self.everything()
            else:
                self.changed(kinds)
            with self._lock:
                self._reloads -= 1

    def changed(self, kinds: Iterable[str]) -> None:
        with self._lock:
            self._count += 1
            for kind in kinds:
                self._kinds[kind] = self._count

    def everything(self) -> None:
        with self._lock:
            self._count += 1
            self._all = self._count

    def of(self, kind: str) -> int | None:
        if self._reloads:
            return None
        return max(self._kinds.get(kind, 0), self._all)
