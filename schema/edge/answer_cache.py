"""Answers kept until the documents behind them change: the read side knows when that is.

An answer is a query's `data`, kept under what decides it: the document, the operation's name,
the variables and the caller (role and user; a customer's answers are their own). With it is kept
the generation of every kind of document its resolvers read (`SearchIndex.generation`, taken
before each kind was first read; for a search filtered on a term, of that term's documents only,
schema/edge/read_tracking.py); it is served again only while each of those generations
stands. The index moves a kind's generation on after every reload that may have changed it (a
commit of the projector, another process's commit, a rebuild's swap), so a kept answer is always
the answer the index would give now: never staler than a fresh read, and a consistency token's
wait is never skipped, because an operation that carries one is never answered from here.

What is kept (schema/edge/answer_reuse.py decides): queries over HTTP whose every root field is
a read-model field (schema/read_model.py: the index, nothing else), given no consistency
token, answered without any error. An answer is kept encoded, as the HTTP endpoint sends it,
with the cost the guard measured: a kept answer is sent at the door (schema/http/graphql_http.py)
after charging the caller's budget, without running anything else. Bounded by the bytes the
kept answers hold in memory (the encoded answer, the key's strings, the generations, the
entry), least recently used out first (DIPTYCH_ANSWER_CACHE_BYTES, 0 keeps nothing; one answer
at most DIPTYCH_ANSWER_MAX_BYTES). Hits and misses are counted for /metrics and the benchmarks.
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from read.index import Term
from schema.access.authentication import Principal
from schema.edge.read_tracking import Read

Key = tuple[str, str | None, str, str, str | None]  # document, operation, variables, role, user
ENTRY_BYTES = 400  # what holding an entry costs beyond its key and answer: Kept, the dict's slot


def answer_key(query: str, operation: str | None, variables: Mapping[str, Any] | None,
               principal: Principal) -> Key | None:
    """What decides an answer; None when the variables are no JSON (nothing is kept then)."""
    try:
        text = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return (query, operation, text, principal.role.value, principal.user_id)


def encoded(data: dict[str, Any]) -> bytes | None:
    """`data` as the HTTP endpoint's JSON responses spell it (Starlette's JSONResponse)."""
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Kept:
    data: bytes  # the answer's `data`, encoded once (schema/http/graphql_http.py sends it as is)
    cost: int  # what the operation costs a caller's budget (schema/edge/guard.py measured it)
    generations: tuple[tuple[Read, int], ...]  # (what was read, its generation before)
    size: int


@dataclass
class AnswerStats:
    hits: int = 0
    misses: int = 0  # a keepable query with no answer kept that still stands
    kept: int = 0
    evicted: int = 0
    entries: int = 0
    bytes: int = 0


class AnswerCache:
    """Shared by every request of one process (in Services); used from the event loop only."""

    def __init__(self, max_bytes: int, max_answer_bytes: int) -> None:
        self.max_bytes, self.max_answer_bytes = max_bytes, max_answer_bytes
        self.stats = AnswerStats()
        self._entries: OrderedDict[Key, Kept] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Key, generation: Callable[[str, Term | None], int | None]) -> Kept | None:
        """The kept answer if every kind it read is still at its generation, counted as a hit;
        else None (and an answer that no longer stands is dropped). Any request may ask (the
        endpoint does not know a mutation from a query): a miss is counted by `missed`, for a
        query that could have been kept."""
        kept = self._entries.get(key)
        if kept is not None:
            if all(generation(*read) == seen for read, seen in kept.generations):
                self._entries.move_to_end(key)
                self.stats.hits += 1
                return kept
            self._drop(key)
        return None

    def missed(self) -> None:
        self.stats.misses += 1

    def put(self, key: Key, data: dict[str, Any], cost: int,
            read: Mapping[Read, int | None]) -> Kept | None:
        """Keep `data`, read at the generations `read`, and return it as kept (encoded once, the
        endpoint sends those bytes); refused (None) when a kind could not tell its generation,
        nothing was read, or the answer is over its bound."""
        if not read or any(seen is None for seen in read.values()):
            return None
        body = encoded(data)
        if body is None:
            return None
        generations = tuple((what, seen) for what, seen in read.items() if seen is not None)
        size = (ENTRY_BYTES + sys.getsizeof(body) + sys.getsizeof(key)
                + sum(sys.getsizeof(part) for part in key)
                + sys.getsizeof(generations) + sum(sys.getsizeof(g) + _held(g[0])
                                                   for g in generations))
        if size > min(self.max_answer_bytes, self.max_bytes):
            return None
        if key in self._entries:
            self._drop(key)
        kept = self._entries[key] = Kept(body, cost, generations, size)
        self.stats.kept += 1
        self.stats.entries += 1
        self.stats.bytes += size
        while self.stats.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
            self.stats.evicted += 1
        return kept

    def _drop(self, key: Key) -> None:
        kept = self._entries.pop(key)
        self.stats.entries -= 1
        self.stats.bytes -= kept.size


def _held(read: Read) -> int:
    """What one noted read holds: its pair, and the term with its strings."""
    term = read[1]
    if term is None:
        return sys.getsizeof(read)
    return (sys.getsizeof(read) + sys.getsizeof(term) + sys.getsizeof(vars(term))
            + sys.getsizeof(term.field) + sys.getsizeof(term.value))
