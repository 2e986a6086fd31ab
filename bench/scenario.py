"""What a scenario is, and what it is given to run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench.backends import Backends
from bench.measurements import Goal, Outcome


@dataclass(frozen=True)
class Context:
    backends: Backends
    workdir: Path  # scratch space of this scenario, deleted after the run
    quick: bool  # the smoke-test size: checks the harness, measures nothing worth reading


@dataclass(frozen=True)
class Scenario:
    name: str
    diptych: str  # what is measured of Diptych, in a line
    raw: str  # the raw limit of the layer beneath it, measured beside it
    goal: Goal
    run: Callable[[Context], Awaitable[Outcome]]
