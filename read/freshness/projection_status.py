"""The projection status report: how far the read side trails the write side (a view model).

workers/status_probe.py computes it, since it compares the write store's log with the index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ProjectionStatus:
    head_position: int  # the last event committed
    relay_position: int  # every event up to here was published
    projector_position: int  # the index reflects the log up to here
    lag_events: int
    lag_seconds: float  # age of the oldest committed event the index does not reflect yet
    unpublished: int
    throughput: float  # events projected per second, over the last minute
    stalled: bool  # events wait, and the projector has not moved for a while
    checked_at: datetime
