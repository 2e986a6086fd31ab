"""What changed in the embedded index, and when: the `generation(kind)` of the index port.

The index's reader reloads only when told to (`ReloadPolicy` manual, tantivy_opening.py): after
each commit of this process's writer, and when a read-only follower sees another process's
commit or a new read version. Each reload is followed here, *after* the reload, by a new
generation of the kinds it may have changed. A reader that takes a kind's generation before
reading it can then keep its answer while that generation stands: a reload it raced with at
worst leaves an answer labelled older than what it read, which is dropped, never the reverse.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable


class Generations:
    """A counter per kind, bumped by reloads from any thread; `everything()` for a reload that
    may have changed every kind (another process's commit, a clear, a new version)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._all = 0
        self._kinds: dict[str, int] = {}

    def changed(self, kinds: Iterable[str]) -> None:
        with self._lock:
            self._count += 1
            for kind in kinds:
                self._kinds[kind] = self._count

    def everything(self) -> None:
        with self._lock:
            self._count += 1
            self._all = self._count

    def of(self, kind: str) -> int:
        return max(self._kinds.get(kind, 0), self._all)
