"""The documents one batch of events reads and changes, written back together at the end.

Documents are read-modify-write: a draft remembers the revision it was read at and is written as
revision + 1, which the index applies only if nobody wrote the document meanwhile (its external
versioning is a compare-and-set). A refused write is re-read and its events applied again; the
`sources` of each document make that idempotent.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field

from read.event_envelope import EventMessage
from read.index import JSON, Document, SearchIndex, Upsert

Key = tuple[str, str]  # (kind, id)


class ProjectionGap(RuntimeError):
    """A document is asked to apply an event while an earlier event of the same aggregate is
    missing (or the document that event should create does not exist yet)."""

    def __init__(self, aggregate_type: str, aggregate_id: str, seen: int, wanted: int) -> None:
        self.aggregate_type = aggregate_type
        self.aggregate_id = aggregate_id
        self.seen = seen
        self.caused_by: EventMessage | None = None  # the event whose projection met the gap
        super().__init__(
            f"{aggregate_type} {aggregate_id}: version {wanted} arrived where the index reflects "
            f"only version {seen}"
        )


def source_of(event: EventMessage) -> str:
    return f"{event.aggregate_type}/{event.aggregate_id}"


@dataclass
class Draft:
    kind: str
    id: str
    revision: int
    body: JSON | None  # None: the document does not exist (yet)
    changed: bool = field(default=False)

    def require(self, aggregate_type: str, aggregate_id: str) -> JSON:
        """The body; its absence means the event that creates it has not been projected."""
        if self.body is None:
            raise ProjectionGap(aggregate_type, aggregate_id, 0, 1)
        return self.body

    def seen(self, source: str) -> int:
        return int(self.body["sources"].get(source, 0)) if self.body else 0

    def accepts(self, event: EventMessage) -> bool:
        """Whether `event` is the next version of its aggregate for this document; an already
        applied one is not, and a version beyond the next is a gap."""
        seen = self.seen(source_of(event))
        if event.aggregate_version <= seen:
            return False
        if event.aggregate_version > seen + 1:
            raise ProjectionGap(
                event.aggregate_type, event.aggregate_id, seen, event.aggregate_version
            )
        return True

    def create(self, body: JSON) -> JSON:
        self.body = body | {"sources": {}}
        return self.body

    def applied(self, event: EventMessage) -> None:
        """Record that this document now reflects `event`."""
        assert self.body is not None
        self.body["sources"][source_of(event)] = event.aggregate_version
        self.changed = True


class Workspace:
    def __init__(self, index: SearchIndex, suspects: Iterable[Key] = ()) -> None:
        self._index = index
        self._drafts: dict[Key, Draft] = {}
        self._suspects = set(suspects)  # refused before: maybe a tombstone holds a revision

    async def prefetch(self, keys: Iterable[Key]) -> None:
        """Read many documents in one request per kind."""
        wanted: dict[str, list[str]] = {}
        for kind, id_ in dict.fromkeys(keys):
            if (kind, id_) not in self._drafts:
                wanted.setdefault(kind, []).append(id_)
        for kind, ids in wanted.items():
            found = await self._index.get_many(kind, ids)
            for id_ in ids:
                await self._remember(kind, id_, found.get(id_))

    async def draft(self, kind: str, id: str) -> Draft:
        if (kind, id) not in self._drafts:
            await self.prefetch([(kind, id)])
        return self._drafts[(kind, id)]

    def writes(self) -> list[Upsert]:
        return [
            Upsert(d.kind, d.id, d.revision + 1, d.body)
            for d in self._drafts.values()
            if d.changed and d.body is not None
        ]

    async def _remember(self, kind: str, id: str, document: Document | None) -> None:
        if document is not None:
            self._drafts[(kind, id)] = Draft(kind, id, document.version,
                                             copy.deepcopy(document.body))
            return
        revision = 0
        if (kind, id) in self._suspects:
            revision = await self._index.version_of(kind, id) or 0
        self._drafts[(kind, id)] = Draft(kind, id, revision, None)
