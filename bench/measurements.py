"""What a scenario measured: both sides' figures, rounds and latencies, the ratio and its goal."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.stats import Latency, summarize

Parameter = int | float | str


@dataclass(frozen=True)
class Side:
    """One side of a comparison: Diptych, or the raw limit beneath it."""

    label: str  # what exactly was timed
    unit: str  # of `figure`: "mutations/s", "ms p99", ...
    figure: float  # over all rounds
    rounds: tuple[float, ...]  # the same figure, round by round
    latencies_ms: tuple[float, ...] = ()  # one sample per operation, where latency applies

    @property
    def latency(self) -> Latency | None:
        return summarize(self.latencies_ms) if self.latencies_ms else None


@dataclass(frozen=True)
class Goal:
    """Diptych's figure divided by the raw limit's must be at least `bound` (a throughput share)
    or, with `at_most`, at most `bound` (a latency multiple)."""

    bound: float
    at_most: bool = False

    def met(self, ratio: float) -> bool:
        return ratio <= self.bound if self.at_most else ratio >= self.bound

    @property
    def text(self) -> str:
        return f"<= {self.bound:g}x" if self.at_most else f">= {self.bound:.0%}"

    def show(self, ratio: float) -> str:
        return f"{ratio:.2f}x" if self.at_most else f"{ratio:.0%}"


@dataclass(frozen=True)
class Part:
    """One of several comparisons a scenario makes (crud-vs-cqrs: one per question), each judged
    against its own goal if it has one (peers: reads and writes differ), else the scenario's; the
    report lists them under the scenario's row."""

    name: str
    diptych: Side
    raw: Side
    goal: Goal | None = None

    @property
    def ratio(self) -> float:
        return self.diptych.figure / self.raw.figure


@dataclass(frozen=True)
class Outcome:
    scenario: str
    diptych: Side
    raw: Side
    goal: Goal
    parameters: dict[str, Parameter] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()

    @property
    def ratio(self) -> float:
        return self.diptych.figure / self.raw.figure

    @property
    def round_ratios(self) -> tuple[float, ...]:
        return tuple(a / b for a, b in zip(self.diptych.rounds, self.raw.rounds, strict=True))
