"""What a chaos scenario is, what it is given, and what it reports.

A scenario breaks one thing under a stream of writes and then checks the read side against the
write store (chaos/index_audit.py). Every scenario reports the same figures, so one table holds
them all; each is one module under chaos/scenarios/ that declares `SCENARIO = Scenario(...)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path


class ChaosError(Exception):
    """A run cannot go on: a process did not start, a backend refused, a step timed out."""


class NotRun(Exception):
    """This machine lacks what the scenario needs (say, RabbitMQ): the run reports why and goes
    on without it."""


@dataclass(frozen=True)
class Context:
    workdir: Path  # scratch space of this scenario, deleted after the run
    postgres_url: str | None  # a PostgreSQL server (postgresql+asyncpg://) for scratch databases
    # A RabbitMQ broker scenarios may use under names of their own (never stop it); None: those
    # that need a broker start a scratch node (chaos/rabbitmq_cluster.py).
    amqp_url: str | None = None


@dataclass(frozen=True)
class Outcome:
    scenario: str
    events: int  # events committed in the write store's log
    lost: int  # events the broker accepted that never reached the index
    duplicated: int  # documents showing an event applied twice, or a version the store lacks
    stale: int  # events still missing from the index when the run gave up waiting
    converge_s: float | None  # from the last write to index == write store; None: never
    notes: tuple[str, ...] = field(default=())  # what was broken, and how it was seen
    parked: int = 0  # events still parked at the end (not lost: reported, replayable)
    findings: tuple[str, ...] = ()  # product defects the scenario found: it fails with them

    @property
    def passed(self) -> bool:
        return (self.lost, self.duplicated, self.stale, self.parked) == (0, 0, 0, 0) and (
            self.converge_s is not None) and not self.findings


@dataclass(frozen=True)
class Scenario:
    name: str
    breaks: str  # what is broken, in a line
    deadline_s: float  # the whole run, set-up and teardown included
    run: Callable[[Context], Awaitable[Outcome]]
