"""A batch of versioned writes as bulk actions, and the bulk results as the port's counts.

Every write is an `index` action with `version_type: external`: Elasticsearch applies it only if
its version is greater than the stored one (tombstones included) and answers 409 otherwise, which
counts as stale. Within a batch only the newest write of each document is sent; the earlier,
newer-than-each-other writes it supersedes share its outcome, as they would have been applied
one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_streaming_bulk

from read.elastic.elastic_mappings import Names, source
from read.index import JSON, Write

Key = tuple[str, str]  # (kind, id)
CONFLICT = 409
RETRIES = 5  # of items refused with 429 (a full write queue), with exponential backoff


@dataclass(frozen=True)
class Planned:
    """The newest write of one document in a batch, and the versions it stands for."""

    write: Write
    versions: tuple[int, ...]  # increasing; the last is write.version

    @property
    def key(self) -> Key:
        return self.write.kind, self.write.id

    def newer_than(self, stored: int) -> int:
        return sum(1 for version in self.versions if version > stored)


def plan(writes: Iterable[Write]) -> tuple[list[Planned], int]:
    """The writes to send, one per document, and how many are stale within the batch itself
    (not newer than an earlier write of the same document)."""
    chains: dict[Key, list[Write]] = {}
    stale = 0
    for write in writes:
        chain = chains.setdefault((write.kind, write.id), [])
        if chain and write.version <= chain[-1].version:
            stale += 1
        else:
            chain.append(write)
    planned = [Planned(chain[-1], tuple(w.version for w in chain)) for chain in chains.values()]
    return planned, stale


def action(write: Write, index: str) -> JSON:
    """A bulk action for `elasticsearch.helpers.async_streaming_bulk`."""
    return {
        "_op_type": "index",
        "_index": index,
        "_id": write.id,
        "version": write.version,
        "version_type": "external",
        "_source": source(write),
    }


class WriteRejected(RuntimeError):
    """Elasticsearch refused writes for a reason other than their version."""


@dataclass
class Tally:
    applied: int = 0
    stale: int = 0
    failures: list[str] = field(default_factory=list)
    rejected: list[Key] = field(default_factory=list)

    def record(self, item: JSON, count: int, key: Key | None = None) -> None:
        """Count one bulk result item (`{"index": {...}}`) standing for `count` writes of the
        document `key`."""
        result = next(iter(item.values()))
        status = int(result.get("status", 500))
        if 200 <= status < 300:
            self.applied += count
        elif status == CONFLICT:
            self.stale += count
            if key is not None:
                self.rejected.append(key)
        else:
            error = result.get("error") or {}
            reason = error.get("reason", "") if isinstance(error, dict) else str(error)
            kind = error.get("type", "error") if isinstance(error, dict) else "error"
            self.failures.append(f"{result.get('_id')}: {status} {kind} {reason}".strip())

    def raise_failures(self) -> None:
        if self.failures:
            raise WriteRejected(
                f"Elasticsearch refused {len(self.failures)} write(s), first {self.failures[0]}"
            )


async def send(
    client: AsyncElasticsearch, names: Names, sending: Sequence[tuple[Planned, int]], tally: Tally,
    refresh: bool,
) -> None:
    """Send each planned write, standing for `count` writes, and count the outcomes; raise
    `WriteRejected` after the whole batch if any write failed for another reason than its version.
    With `refresh`, the request returns once its writes are visible to search (`wait_for`)."""
    counts = {(names.index(p.write.kind), p.write.id): (count, p.key) for p, count in sending}
    actions = [action(p.write, names.index(p.write.kind)) for p, _ in sending]
    async for _, item in async_streaming_bulk(
        client,
        actions,
        raise_on_error=False,  # a 409 is an answer, not an error: every item is counted
        max_retries=RETRIES,
        initial_backoff=0.5,
        max_backoff=10,
        refresh="wait_for" if refresh else None,
    ):
        result = next(iter(item.values()))
        count, key = counts[(result["_index"], result["_id"])]
        tally.record(item, count, key)
    tally.raise_failures()
