"""Projections: how events become documents.

`project` applies a batch of events (in log order) to the index. Each event type has one
projection (an async function of the event and the batch's `Workspace`) that may touch documents
of several kinds; each `*_projection.py` module declares its own (projection_kinds.py).
A document applies only the next version of each aggregate it reflects, so re-delivery and
replaying the whole log change nothing, and documents fed by several aggregates stay right when
their events arrive from different shards in any interleaving. Writes are compare-and-set: a
document some other projector changed meanwhile is re-read, and the batch applied again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from read.event_envelope import EventMessage
from read.freshness.visibility_feed import Change
from read.index import Checkpoint, SearchIndex
from read.projection.projection_kinds import projections, targets_of
from read.projection.workspace import Key, ProjectionGap, Workspace

log = logging.getLogger(__name__)

CHECKPOINT = "projector"
ATTEMPTS = 20  # compare-and-set rounds before a batch is given back to be delivered again

__all__ = ["CHECKPOINT", "ProjectionGap", "UnknownEventType", "project"]


@dataclass(frozen=True)
class Projected:
    applied: int  # documents written; 0 when every event was already reflected
    changes: tuple[Change, ...] = ()  # what became visible, for the visibility feed


class UnknownEventType(RuntimeError):
    """An event of a type no projection knows (written by a newer version of the write side):
    the batch is not projected, so the event waits for a projector that knows it."""

    def __init__(self, event: EventMessage) -> None:
        self.event = event
        super().__init__(
            f"no projection for event type {event.type} ({event.aggregate_type} "
            f"{event.aggregate_id} version {event.aggregate_version}, position "
            f"{event.position}): is this projector older than the writer?"
        )


class ProjectionConflict(RuntimeError):
    """Other writers kept changing the batch's documents; the batch is delivered again later."""


async def project(index: SearchIndex, events: Sequence[EventMessage]) -> Projected:
    """Apply a batch of events (in log order) to the index, and record the checkpoint.

    Raises ProjectionGap when an event needs an earlier one that is missing; nothing is written
    then. The caller fills the gap from the event log, or has the batch delivered again."""
    if not events:
        return Projected(applied=0)
    checkpoint = Checkpoint(CHECKPOINT, max(e.position for e in events))
    table = projections()
    unknown = [e for e in events if e.type not in table]
    if unknown:  # a newer writer's event: stepping over it would lose it for good
        raise UnknownEventType(unknown[0])
    known = list(events)
    suspects: set[Key] = set()
    retrying = AsyncRetrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=_spread,
        retry=retry_if_exception_type(_DocumentsMoved),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                return await _apply(index, known, checkpoint, suspects)
    except _DocumentsMoved as moved:
        raise ProjectionConflict(
            f"{len(suspects)} documents kept changing under this batch"
        ) from moved
    raise AssertionError("unreachable")


class _DocumentsMoved(Exception):
    """A compare-and-set write found documents changed since they were read."""


async def _apply(
    index: SearchIndex, events: Sequence[EventMessage], checkpoint: Checkpoint, suspects: set[Key]
) -> Projected:
    """One round: read the documents (the `suspects` fresh), apply every event, write back."""
    table = projections()
    workspace = Workspace(index, suspects)
    await workspace.prefetch(_targets(events))
    for event in events:
        await table[event.type](event, workspace)
    writes = workspace.writes()
    result = await index.write(writes, checkpoint=checkpoint)
    if result.rejected:
        suspects |= set(result.rejected)
        log.debug("%d documents changed under us; applying the batch again", len(result.rejected))
        raise _DocumentsMoved()
    changes = tuple(Change(w.kind, w.id, int(w.body["version"])) for w in writes)
    return Projected(len(writes), changes)


def _spread(state: RetryCallState) -> float:
    """Rivals that keep colliding spread out: round n waits up to n times 10 ms, at random."""
    return random.uniform(0, 0.01 * state.attempt_number)


def _targets(events: Iterable[EventMessage]) -> Iterable[Key]:
    for event in events:
        yield from targets_of(event)
