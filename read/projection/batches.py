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
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from read.event_envelope import EventMessage
from read.freshness.visibility_feed import Change
from read.index import Checkpoint, IndexUnavailable, SearchIndex
from read.projection.projection_kinds import kind_of_aggregate, projections, targets_of
from read.projection.workspace import Key, ProjectionGap, Workspace, source_of

log = logging.getLogger(__name__)

CHECKPOINT = "projector"  # the log read in order (catch-up, the in-process broker)
LOG = "log"  # that source's name; a shard queue is "shard-<n>", direct sync "direct"
ATTEMPTS = 20  # compare-and-set rounds before a batch is given back to be delivered again

__all__ = ["CHECKPOINT", "EventFailed", "ProjectionGap", "UnknownEventType", "project"]

# What an index or a network raises when it is down: the event is not at fault, so these are
# retried, never counted against the event (an outage must not park good events).
OUTAGES: tuple[type[BaseException], ...] = (IndexUnavailable, OSError, TimeoutError)


def checkpoint_of(source: str) -> str:
    """The checkpoint a source of events keeps its position in: one per source, so that one
    source stopping (a shard) shows, instead of hiding behind the others' maximum."""
    return CHECKPOINT if source == LOG else f"{CHECKPOINT}/{source}"


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


class EventFailed(RuntimeError):
    """An event's projection raised (a bug, or data it cannot handle): nothing of the batch was
    written. The projector retries it, then parks it (workers/parking.py)."""

    def __init__(self, event: EventMessage, error: Exception) -> None:
        self.event = event
        self.error = error
        first = (str(error).splitlines() or [""])[0][:300]
        super().__init__(
            f"the projection of {event.type} ({event.aggregate_type} {event.aggregate_id} "
            f"version {event.aggregate_version}, position {event.position}) raised "
            f"{type(error).__name__}: {first}"
        )


class ProjectionConflict(RuntimeError):
    """Other writers kept changing the batch's documents; the batch is delivered again later."""


async def project(
    index: SearchIndex,
    events: Sequence[EventMessage],
    checkpoint_name: str | None = CHECKPOINT,
    skipped: Collection[str] = (),
) -> Projected:
    """Apply a batch of events (in log order) to the index, and record the checkpoint named
    `checkpoint_name` (None: none) at the batch's last position. Events whose id is in `skipped`
    (dropped by an operator) advance their aggregate's version without changing anything else.

    Raises ProjectionGap when an event needs an earlier one that is missing, EventFailed when an
    event's projection raises; nothing is written then. The caller fills the gap from the event
    log, or has the batch delivered again."""
    if not events:
        return Projected(applied=0)
    checkpoint = (Checkpoint(checkpoint_name, max(e.position for e in events))
                  if checkpoint_name is not None else None)
    table = projections()
    unknown = [e for e in events if e.type not in table and e.event_id not in skipped]
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
                return await _apply(index, known, checkpoint, suspects, frozenset(skipped))
    except _DocumentsMoved as moved:
        raise ProjectionConflict(
            f"{len(suspects)} documents kept changing under this batch"
        ) from moved
    raise AssertionError("unreachable")


class _DocumentsMoved(Exception):
    """A compare-and-set write found documents changed since they were read."""


async def _apply(
    index: SearchIndex,
    events: Sequence[EventMessage],
    checkpoint: Checkpoint | None,
    suspects: set[Key],
    skipped: frozenset[str],
) -> Projected:
    """One round: read the documents (the `suspects` fresh), apply every event, write back."""
    table = projections()
    workspace = Workspace(index, suspects)
    await workspace.prefetch(_targets(events))
    for event in events:
        if event.event_id in skipped:
            await _step_over(event, workspace)
            continue
        try:
            await table[event.type](event, workspace)
        except ProjectionGap as gap:
            if gap.caused_by is None:
                gap.caused_by = event
            raise
        except Exception as error:
            if isinstance(error, OUTAGES):
                raise
            raise EventFailed(event, error) from error
    writes = workspace.writes()
    result = await index.write(writes, checkpoint=checkpoint)
    if result.rejected:
        suspects |= set(result.rejected)
        log.debug("%d documents changed under us; applying the batch again", len(result.rejected))
        raise _DocumentsMoved()
    changes = tuple(Change(w.kind, w.id, int(w.body["version"])) for w in writes)
    return Projected(len(writes), changes)


async def _step_over(event: EventMessage, workspace: Workspace) -> None:
    """A skipped event: its documents record its version as seen, and nothing else changes."""
    own = (kind_of_aggregate(event.aggregate_type), event.aggregate_id)
    for kind, id_ in dict.fromkeys(targets_of(event)):
        draft = await workspace.draft(kind, id_)
        if draft.body is None:
            continue
        if (kind, id_) == own:  # its own document must have seen every earlier version
            if draft.accepts(event):
                draft.applied(event)
        elif draft.seen(source_of(event)) == event.aggregate_version - 1:
            draft.applied(event)


def _spread(state: RetryCallState) -> float:
    """Rivals that keep colliding spread out: round n waits up to n times 10 ms, at random."""
    return random.uniform(0, 0.01 * state.attempt_number)


def _targets(events: Iterable[EventMessage]) -> Iterable[Key]:
    for event in events:
        yield from targets_of(event)
