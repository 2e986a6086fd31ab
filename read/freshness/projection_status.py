"""The projection status report: how far the read side trails the write side (a view model).

workers/status_probe.py computes it, since it compares the write store's log with the index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

BROKER, DIRECT = "BROKER", "DIRECT"  # where the projector takes its events from now
SILENT = "SILENT"  # a source whose process has not reported for a while


@dataclass(frozen=True)
class SourceStatus:
    """One source of events: a shard queue ("shard-2"), direct sync ("direct") or the log read
    in order ("log": catch-up and the in-process broker)."""

    source: str
    position: int  # the index reflects this source's events up to here
    state: str  # IDLE, BUSY, FAILING (its batch fails and is retried), SILENT (not heard from)
    in_hand: int  # events of the batch in hand
    lag_seconds: float  # age of the oldest event in hand; 0 when none
    error: str | None  # why its batch fails, while it does
    progressed_at: datetime | None
    heard_at: datetime
    stalled: bool  # it holds events and has not moved for a while


@dataclass(frozen=True)
class ParkedSummary:
    count: int  # events parked and waiting (skipped ones are not counted)
    aggregates: int  # aggregates they hold back
    oldest: datetime | None  # when the oldest was parked


@dataclass(frozen=True)
class ProjectionStatus:
    head_position: int  # the last event committed
    relay_position: int  # every event up to here was published
    projector_position: int  # the index reflects the log up to here
    lag_events: int
    lag_seconds: float  # age of the oldest committed event the index does not reflect yet
    unpublished: int
    throughput: float  # events projected per second, over the last minute
    stalled: bool  # events wait and the projector (or any one source) has not moved for a while
    checked_at: datetime
    mode: str = BROKER
    sources: tuple[SourceStatus, ...] = ()
    parked: ParkedSummary = field(default_factory=lambda: ParkedSummary(0, 0, None))
