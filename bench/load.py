"""Load generators shared by both sides of a comparison, so that each side is driven alike."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

Tick = Callable[[], object]  # advances a progress bar by one operation


@dataclass(frozen=True)
class Run:
    """One round of one side: how many operations, how long, and a sample per operation (ms)."""

    count: int
    seconds: float
    samples_ms: tuple[float, ...]

    @property
    def rate(self) -> float:
        return self.count / self.seconds


async def closed_loop(
    operation: Callable[[int], Awaitable[object]], count: int, concurrency: int, tick: Tick
) -> Run:
    """`concurrency` clients, each starting its next operation as soon as its last one ends,
    until `count` operations are done. A sample is one operation's duration."""
    numbers = itertools.count()
    samples: list[float] = []

    async def client() -> None:
        while (number := next(numbers)) < count:
            started = time.perf_counter()
            await operation(number)
            samples.append((time.perf_counter() - started) * 1000)
            tick()

    started = time.perf_counter()
    async with _tasks() as clients:
        for _ in range(concurrency):
            clients.create_task(client())
    return Run(count, time.perf_counter() - started, tuple(samples))


async def paced(
    operation: Callable[[int], Awaitable[float]], count: int, rate: float, tick: Tick
) -> Run:
    """Open loop: operation n starts n / `rate` seconds after the first, however long earlier ones
    take. Each operation returns its own sample (ms): what it times is up to the scenario."""
    samples: list[float] = []

    async def one(number: int) -> None:
        samples.append(await operation(number))
        tick()

    loop = asyncio.get_running_loop()
    started = loop.time()
    async with _tasks() as operations:
        for number in range(count):
            delay = started + number / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            operations.create_task(one(number))
    return Run(count, loop.time() - started, tuple(samples))


@contextlib.asynccontextmanager
async def _tasks() -> AsyncIterator[asyncio.TaskGroup]:
    """A task group that raises its first failure as itself: a wrong answer stops the run, and
    says why in one line."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from failed


async def interleaved(
    rounds: int,
    diptych: Callable[[int], Awaitable[Run]],
    raw: Callable[[int], Awaitable[Run]],
) -> tuple[list[Run], list[Run]]:
    """Diptych's round, then the raw limit's, `rounds` times: drift on a noisy machine (another
    process, thermal throttling, a growing table) falls on both sides alike."""
    ours: list[Run] = []
    theirs: list[Run] = []
    for number in range(rounds):
        ours.append(await diptych(number))
        theirs.append(await raw(number))
    return ours, theirs


def throughput(runs: list[Run]) -> tuple[float, tuple[float, ...], tuple[float, ...]]:
    """Operations per second over all rounds, the same per round, and every sample."""
    total = sum(run.count for run in runs) / sum(run.seconds for run in runs)
    return total, tuple(run.rate for run in runs), tuple(s for run in runs for s in run.samples_ms)
