"""The search-index port: the only way the read side touches its storage.

Every adapter (tantivy on disk, Elasticsearch) implements `SearchIndex` with the same semantics,
which the contract in `tests/contracts/index_contract.py` checks against each of them, and refuses
the same requests (`read/index_requests.py` checks them for all):

- writes carry an *external* version (the aggregate version): a write whose version is not newer
  than the stored one is ignored and counted as stale, so re-delivery and replay are harmless;
- deletes are versioned too and leave a tombstone, so a late, older upsert cannot resurrect a
  deleted document;
- a checkpoint (a named position in the event log) can be written with a batch of documents;
- search results are ordered by `(sort key, tie-breaker)` and pages continue after the sort values
  of the last hit (keyset pagination), so adding documents never shifts a page;
- `generation(kind)` changes whenever what a search of `kind` answers may have changed, so an
  answer may be kept until then (None: the adapter cannot tell, nothing is kept);
- an index may have *versions* (`diptych rebuild` builds one beside the live one): the four
  methods after `clear` let the live projector follow a rebuild's hand-over
  (workers/index_handover.py). An index without versions answers `write_version_changed` with
  False, and the other three are then never called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

JSON = dict[str, Any]
SortValues = tuple[Any, ...]


@dataclass(frozen=True)
class Document:
    kind: str
    id: str
    version: int
    body: JSON


@dataclass(frozen=True)
class Upsert:
    """Replace the document with `body`, if `version` is newer than the stored version."""

    kind: str
    id: str
    version: int
    body: JSON


@dataclass(frozen=True)
class Delete:
    """Delete the document, if `version` is newer; remember `version` so older upserts stay out."""

    kind: str
    id: str
    version: int


Write = Upsert | Delete


@dataclass(frozen=True)
class Checkpoint:
    name: str
    position: int


@dataclass(frozen=True)
class WriteResult:
    applied: int
    stale: int
    rejected: tuple[tuple[str, str], ...] = ()
    """(kind, id) of each write refused as not newer: another writer got there first, or the
    same write was applied before. A read-modify-write caller re-reads these and decides."""


@dataclass(frozen=True)
class Term:
    """Exact match on a keyword or integer field."""

    field: str
    value: str | int


@dataclass(frozen=True)
class Range:
    """Inclusive range on an integer field; either bound may be None."""

    field: str
    gte: int | None = None
    lte: int | None = None


@dataclass(frozen=True)
class AnyOf:
    """Exact match on any of several values of a keyword field."""

    field: str
    values: tuple[str, ...]


Filter = Term | Range | AnyOf

EVERY_KIND = "*"
"""For `SearchIndex.generation`: what any commit may change, of any kind. A full-text search's
relevance scores are (BM25's term statistics over every document holding a searched field,
whatever its kind), so its order and cursors are."""


@dataclass(frozen=True)
class Sort:
    """`field=None` orders by relevance (score, highest first)."""

    field: str | None = None
    descending: bool = False


RELEVANCE = Sort(field=None, descending=True)


@dataclass(frozen=True)
class SearchRequest:
    text: str | None = None
    filters: tuple[Filter, ...] = ()
    sort: Sort = RELEVANCE
    first: int = 20
    after: SortValues | None = None
    facets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    document: Document
    sort_values: SortValues


@dataclass(frozen=True)
class SearchPage:
    hits: Sequence[Hit]
    has_next: bool
    total: int
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


class InvalidSearch(ValueError):
    """The request cannot be run (unknown field, a filter or sort the field's type cannot do)."""


class InvalidCursor(InvalidSearch):
    """The `after` values do not fit the requested sort (a forged or foreign cursor)."""


class IndexUnavailable(RuntimeError):
    """The index cannot be reached right now (a cluster down, or refusing this client); later
    it may. Queries answer it with a code of their own, never as a bug."""


class SearchIndex(Protocol):
    async def open(self) -> None:
        """Create or open the physical index; called once from the lifespan."""

    async def close(self) -> None: ...

    async def get(self, kind: str, id: str) -> Document | None:
        """The live document, or None when absent or deleted."""

    async def get_many(self, kind: str, ids: Sequence[str]) -> dict[str, Document]: ...

    async def version_of(self, kind: str, id: str) -> int | None:
        """The stored version, tombstones included; None when never written. Real-time: it sees
        every write that `write` acknowledged."""

    async def visible(self, kind: str, id: str) -> Document | None:
        """The live document as a search would find it now; None when absent or deleted.
        Consistency tokens wait on this: a write is only "visible" once queries of every kind,
        searches too, reflect it."""

    async def write(
        self, writes: Sequence[Write], checkpoint: Checkpoint | None = None
    ) -> WriteResult:
        """Apply the writes (last one wins within the batch), then persist the checkpoint.

        When this returns, the applied writes are visible to `get` and `version_of`; searches see
        them once the index makes them searchable (tantivy: before this returns; Elasticsearch:
        at its next refresh, unless the adapter was asked to wait for it).
        """

    async def checkpoint(self, name: str) -> int:
        """The stored position for `name`; 0 when none was written."""

    async def search(self, kind: str, request: SearchRequest) -> SearchPage: ...

    async def aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None = None
    ) -> JSON:
        """Run an aggregation request over the live documents of `kind` that match `filters`
        (and `text`, searched as by `search`).

        `aggregations` has Elasticsearch's request shape (terms, range, sum, nested `aggs`),
        which tantivy accepts too; the answer has Elasticsearch's response shape. Only keyword
        and integer fields can be aggregated."""

    async def clear(self) -> None:
        """Remove every document, tombstone and checkpoint (for rebuilds and tests)."""

    def generation(self, kind: str, within: Term | None = None) -> int | None:
        """A number that changes whenever what this index serves of `kind` may have changed
        (the answer cache, schema/edge/answer_cache.py, keeps an answer while the generations of
        every kind it read are unchanged); read it *before* reading `kind`. With `within`, for
        a read that sees only documents matching that term: then it may change only when one of
        those does (an adapter that cannot tell them apart answers as for the whole kind). For
        `EVERY_KIND`, one that changes with every commit. None when the adapter cannot tell
        right now, and then nothing read is kept. Never blocks."""

    async def write_version_changed(self) -> bool:
        """Whether a rebuild named another version for this (live, writable) index to write."""

    async def open_write_version(self) -> Self:
        """That version, opened writable beside this one, to be caught up from the event log."""

    async def switch_to(self, other: Self) -> None:
        """Read and write `other`'s version from now on, and name it the version queries read.
        Called with no batch in flight, once `other` holds everything this one does."""

    async def drop_old_versions(self, keep: int) -> tuple[str, ...]:
        """Delete all but the newest `keep` versions, never the one read or written; their
        names."""
