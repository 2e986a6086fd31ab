"""What changed in the embedded index, and when: the `generation(kind)` of the index port.

The index's reader reloads only when told to (`ReloadPolicy` manual, tantivy_opening.py): after
each commit of this process's writer, and when a read-only follower sees another process's
commit or a new read version. Each reload runs inside `reloading(kinds)`: while it runs no
generation is told (None: nothing is kept, nothing kept is served), and when it is over the
kinds it may have changed have a new generation. A reader that takes a kind's generation before
reading it can then keep its answer while that generation stands: a reload it raced with at
worst leaves an answer labelled older than what it read, which is dropped, never the reverse;
and once any read has seen a reload's documents, no answer from before it is served again.

A kind's generation moves on with any change to it. A *scope*, (kind, keyword field, value), has
a generation of its own that moves on only when a document of the kind that holds that value
before or after the change is written: an answer that read only documents with category "audio"
(its search filtered on that term) stands while products of other categories are added. The
writer names the scopes of each commit (tantivy_writer.py: every keyword value of each document
written, as stored before and as written); only the fields some reader has asked about are
remembered (an unasked field's scope has no answer to keep standing, and the first ask of one is
answered as of every commit since, `of`), up to MAX_SCOPES: beyond that they are forgotten and
every generation moves on at once, which drops kept answers, never keeps a stale one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Collection, Iterable, Iterator

Scope = tuple[str, str, str]  # (kind, keyword field, value)
MAX_SCOPES = 100_000  # about 20 MB at most: beyond it, every generation moves on (see above)


class Generations:
    """A counter per kind, bumped by reloads from any thread; `everything()` for a reload that
    may have changed every kind (another process's commit, a clear, a new version)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._all = 0
        self._kinds: dict[str, int] = {}
        self._scopes: dict[Scope, int] = {}
        self._asked: set[tuple[str, str]] = set()  # (kind, field) of the scopes asked about
        self._reloads = 0  # running now

    @contextlib.contextmanager
    def reloading(self, kinds: Collection[str] | None,
                  scopes: Iterable[Scope] = ()) -> Iterator[None]:
        """Around a reload that may change `kinds` (None: every kind), and within them only the
        documents of `scopes` for answers that read only a scope: the writer names every scope
        of every document it changed."""
        with self._lock:
            self._reloads += 1
        try:
            yield
        finally:
            if kinds is None:
                self.everything()
            else:
                self.changed(kinds, scopes)
            with self._lock:
                self._reloads -= 1

    def changed(self, kinds: Iterable[str], scopes: Iterable[Scope] = ()) -> None:
        with self._lock:
            self._count += 1
            for kind in kinds:
                self._kinds[kind] = self._count
            for scope in scopes:
                if scope[:2] in self._asked:
                    self._scopes[scope] = self._count
            if len(self._scopes) > MAX_SCOPES:
                self._scopes.clear()
                self._all = self._count

    def everything(self) -> None:
        with self._lock:
            self._count += 1
            self._all = self._count

    def latest(self) -> int | None:
        """Moves on with every reload: what any commit may change."""
        return None if self._reloads else self._count

    def of(self, kind: str, scope: Scope | None = None) -> int | None:
        """The generation of `kind`, or of only its documents in `scope` (of that kind).

        A scope's field is noted as asked before anything else: a commit whose scopes are told
        after that remembers it; one told before is in what the asker reads next, or is still
        reloading (None)."""
        if scope is not None:
            self._asked.add(scope[:2])
        if self._reloads:
            return None
        if scope is None:
            return max(self._kinds.get(kind, 0), self._all)
        return max(self._scopes.get(scope, 0), self._all)
