"""Waiting for the machine to settle before timing: after seeding, PostgreSQL writes its dirty
buffers out and tantivy merges segments on threads of its own, for a minute or more, and
whichever side is timed then pays for it. Both sides are timed after the wait alike."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

STAT = Path("/proc/stat")
BUSY = 0.25  # share of all cores busy, at most, over a sample
SAMPLE = 1.0  # seconds


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores since boot; None where /proc/stat is not."""
    try:
        fields = [int(v) for v in STAT.read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


async def until_quiet(longest: float) -> float:
    """Wait until the cores were at most BUSY busy over one SAMPLE, or `longest` seconds (then
    the run goes on, settled or not); the seconds waited (0 where the machine cannot tell)."""
    started = time.monotonic()
    before = _cpu_times()
    while before is not None and time.monotonic() - started < longest:
        await asyncio.sleep(SAMPLE)
        after = _cpu_times()
        if after is None:
            break
        busy, total = after[0] - before[0], after[1] - before[1]
        if total > 0 and busy / total <= BUSY:
            break
        before = after
    return time.monotonic() - started
