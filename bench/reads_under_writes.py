"""Reads timed while the same side takes writes, and how many of Diptych's reads its answer
cache served: the peers scenario's guard against a cache flattering the figures (issue 14).

A writer paced at `rate` creations a second (open loop, a few at a time) runs on the side being
read, for exactly as long as that side's timed round; PostGraphile gets the same rate of its own
createProduct. A product written into a category invalidates every kept answer about products,
which is the cache's worst case: the category page is asked while products are added.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from bench.load import Run, Tick, closed_loop
from bench.load_http import LoadHttp

Operation = Callable[[int], Awaitable[object]]
IN_FLIGHT = 4  # writes at once at most: a slow side is not buried under its own backlog


@dataclass
class Hits:
    """Diptych's answer-cache counters (its /metrics), read before and after a part."""

    http: LoadHttp
    url: str  # the service's base URL

    async def counted(self) -> tuple[float, float]:
        text = await self.http.get_text(f"{self.url}/metrics")
        found = [re.search(rf"^diptych_answer_cache_{name}_total (\S+)$", text, re.MULTILINE)
                 for name in ("hits", "misses")]
        return tuple(float(m.group(1)) if m else 0.0 for m in found)  # type: ignore[return-value]

    @contextlib.asynccontextmanager
    async def share(self, into: dict[str, str], name: str) -> AsyncIterator[None]:
        """The share of keepable reads answered from the cache during the block, as text."""
        hits, misses = await self.counted()
        yield
        after_hits, after_misses = await self.counted()
        asked = (after_hits - hits) + (after_misses - misses)
        into[name] = f"{(after_hits - hits) / asked:.0%}" if asked else "none kept"


async def paced_until(stop: asyncio.Event, operation: Operation, rate: float) -> int:
    """Start `operation(n)` every 1/`rate` s until `stop` (none while IN_FLIGHT are running; it
    then catches up); the writes started. A write's failure ends the run: only successes count."""
    started = 0
    slots = asyncio.Semaphore(IN_FLIGHT)
    loop = asyncio.get_running_loop()
    beginning = loop.time()

    async def one(number: int) -> None:
        try:
            await operation(number)
        finally:
            slots.release()

    async with asyncio.TaskGroup() as group:
        while not stop.is_set():
            await slots.acquire()  # behind schedule while IN_FLIGHT run; it catches up after
            group.create_task(one(started))
            started += 1
            wait = beginning + started / rate - loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
    return started


async def reads_beside_writes(reads: Operation, writes: Operation, count: int, concurrency: int,
                              rate: float, tick: Tick) -> tuple[Run, int]:
    """One side's round: `count` reads, `concurrency` at a time, while writes go on at `rate`;
    the reads' run and the writes made."""
    stop = asyncio.Event()
    writer = asyncio.create_task(paced_until(stop, writes, rate))
    try:
        run = await closed_loop(reads, count, concurrency, tick)
    finally:
        stop.set()
    return run, await writer
