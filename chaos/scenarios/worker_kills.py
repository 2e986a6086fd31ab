"""`worker-kills`: the projector, then the active relay, SIGKILLed mid-stream; nothing is lost.

PostgreSQL and RabbitMQ, with `diptych serve`, `diptych worker projector` and two `diptych
worker relay` processes (the active one and a standby waiting for the outbox's lock, as
production runs them). A quarter of the way through the writes the projector is killed with
SIGKILL and started again (it catches up from the event log, then consumes its shard queues);
then the active relay is killed: the standby takes the lock over, and the killed one is started
again as the new standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from bench.backends import Backends
from chaos import fault_run
from chaos.chaos_scenario import Context, Outcome, Scenario
from chaos.diptych_stack import READY
from chaos.fault_run import Run

NAME = "worker-kills"
WRITES, KILL_AFTER = 900, 150
DOWN_S = 1.0  # how long the projector stays dead before it is started again


async def run(context: Context) -> Outcome:
    postgres = fault_run.needs_postgres(context)
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(
            Backends(postgres=postgres).database(context.workdir, "kills"))
        broker = await fault_run.broker_settings(stack, context)
        run_ = await stack.enter_async_context(fault_run.started(
            context, database, broker, ("projector", "relay", "standby", "api")))
        written = await fault_run.stream(run_, WRITES, KILL_AFTER, lambda: _kills(run_))
        run_.findings.extend(run_.stack.dead())
        return (await fault_run.audited(run_, NAME, written))[1]


async def _kills(run: Run) -> None:
    stack, tally = run.stack, run.tally
    stack.kill("projector")
    at = tally.accepted
    await asyncio.sleep(DOWN_S)
    restarted = time.monotonic()
    await stack.restart("projector")
    run.notes.append(
        f"SIGKILLed the projector after {at} accepted writes; started again {DOWN_S:g} s "
        f"later, it was consuming again {time.monotonic() - restarted:.1f} s after its start "
        f"(catch-up from the log first), with {tally.accepted - at} writes accepted meanwhile")
    said = stack.says("standby", READY["relay"])
    stack.kill("relay")
    at = tally.accepted
    took = await stack.await_says("standby", READY["relay"], said)
    await stack.restart("relay", ready=False)  # the lock is the standby's now: it waits
    run.notes.append(
        f"SIGKILLed the active relay after {at} accepted writes: the standby took the "
        f"outbox's lock over {took:.1f} s later; the killed one was started again as standby")


SCENARIO = Scenario(
    name=NAME,
    breaks="SIGKILL of the projector, then of the active relay, mid-stream; both restarted",
    deadline_s=90.0,
    run=run,
)
