"""`embedded`: the embedded default (`diptych serve` alone: SQLite, the in-process broker and
relay and projector, tantivy) SIGKILLed mid-stream and started again, then a poison event there.

A third of the way through the writes `diptych serve` is SIGKILLed: writes in flight lose their
connection (counted as refused with an unknown outcome; the write store says which committed)
and every write is refused until it is started again on the same data and port. Right after the
restart a poison event goes into the SQLite log and the same user is renamed twice behind it
(chaos/poison_event.py), and the rest goes as in `poison-event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from bench.backends import Backends
from chaos import fault_run, poison_event
from chaos.chaos_scenario import Context, Outcome, Scenario

NAME = "embedded"
WRITES, KILL_AFTER = 700, 200
DOWN_S = 1.0


async def run(context: Context) -> Outcome:
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(
            Backends().database(context.workdir / "store", "embedded"))
        run_ = await stack.enter_async_context(fault_run.started(
            context, database, {}, fault_run.EMBEDDED_ROLES, dropped=True))
        poisoned: list[tuple[poison_event.Poison, int]] = []

        async def kill_then_poison() -> None:
            run_.stack.kill("api")
            at, killed = run_.tally.accepted, time.monotonic()
            await asyncio.sleep(DOWN_S)
            await run_.stack.restart("api")
            run_.notes.append(
                f"SIGKILLed `diptych serve` (SQLite, in-process broker, tantivy) after {at} "
                f"accepted writes; started again {DOWN_S:g} s later, it answered /health "
                f"{time.monotonic() - killed:.1f} s after the kill")
            injected = await poison_event.inject(run_.engine, run_.catalogue.users[0])
            poisoned.append((injected, await poison_event.rename_after(run_.graphql, injected)))

        written = await fault_run.stream(run_, WRITES, KILL_AFTER, kill_then_poison)
        return await poison_event.healed_row(run_, NAME, poisoned[0], written)


SCENARIO = Scenario(
    name=NAME,
    breaks="the embedded default SIGKILLed mid-stream and restarted; then a poison event",
    deadline_s=90.0,
    run=run,
)
