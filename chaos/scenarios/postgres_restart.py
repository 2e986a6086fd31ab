"""`postgres-restart`: the write store's PostgreSQL stopped hard and started again mid-stream.

A scratch PostgreSQL server of the run's own (chaos/scratch_postgres.py: initdb and pg_ctl on a
free port; CI's own server stays up), RabbitMQ, and the three processes. A third of the way
through the writes the server is stopped with `pg_ctl stop -m immediate` (every backend killed
at once, crash recovery on the next start, as after a power cut), left down for 5 s, and started
again. Writes refused meanwhile (WRITE_STORE_UNAVAILABLE) are counted as refused, not lost; every
write that committed must reach the index, and every process must ride the outage out.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from bench.backends import Backends
from chaos import fault_run, scratch_postgres
from chaos.chaos_scenario import Context, Outcome, Scenario
from chaos.fault_run import Run

NAME = "postgres-restart"
WRITES, STOP_AFTER = 800, 250
DOWN_S = 5.0
REFUSED = ("WRITE_STORE_UNAVAILABLE",)


async def run(context: Context) -> Outcome:
    async with contextlib.AsyncExitStack() as stack:
        server = stack.enter_context(scratch_postgres.running())
        database = await stack.enter_async_context(
            Backends(postgres=server.url).database(context.workdir, "restart"))
        broker = await fault_run.broker_settings(stack, context)
        run_ = await stack.enter_async_context(
            fault_run.started(context, database, broker, tolerated=REFUSED))

        async def restart() -> None:
            before = run_.tally.refused
            await asyncio.to_thread(server.stop, "immediate")
            stopped = time.monotonic()
            await asyncio.sleep(DOWN_S)
            await asyncio.to_thread(server.start)
            run_.notes.append(
                f"PostgreSQL {server.port} (scratch, initdb in {server.directory}) stopped with "
                f"`pg_ctl stop -m immediate` after {STOP_AFTER} writes; started again "
                f"{time.monotonic() - stopped:.1f} s later (crash recovery included); "
                f"{run_.tally.refused - before} writes refused meanwhile")

        written = await fault_run.stream(run_, WRITES, STOP_AFTER, restart)
        await _check_alive(run_)
        return (await fault_run.audited(run_, NAME, written))[1]


async def _check_alive(run: Run) -> None:
    dead = run.stack.dead()
    run.findings.extend(f"{crash}, after the PostgreSQL restart" for crash in dead)
    if not dead:
        run.notes.append("the API, the relay and the projector all rode the restart out")


SCENARIO = Scenario(
    name=NAME,
    breaks="PostgreSQL (the write store) stopped hard and restarted mid-stream",
    deadline_s=90.0,
    run=run,
)
