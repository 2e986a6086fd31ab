"""`poison-event`: one event no projection can apply, mid-stream; it and its aggregate's later
events are parked, everything else converges, and a repair plus `diptych parked retry --all`
brings the aggregate back.

PostgreSQL, RabbitMQ and the three processes. A third of the way through the writes a buggy
writer's event goes straight into the events table (chaos/poison_event.py), and the same user is
renamed twice through the API after it. Once the stream is over, the audit must find the other
aggregates converged and exactly those three events parked (counted apart, not lost), as
`projectionStatus { parked }` and `diptych parked list` must show them; then the operator repairs
the row and retries, and the audit must find nothing parked, lost or stale.
"""

from __future__ import annotations

import contextlib

from bench.backends import Backends
from chaos import fault_run, poison_event
from chaos.chaos_scenario import Context, Outcome, Scenario

NAME = "poison-event"
WRITES, POISON_AFTER = 600, 200


async def run(context: Context) -> Outcome:
    postgres = fault_run.needs_postgres(context)
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(
            Backends(postgres=postgres).database(context.workdir, "poison"))
        broker = await fault_run.broker_settings(stack, context)
        run_ = await stack.enter_async_context(fault_run.started(context, database, broker))
        poisoned: list[tuple[poison_event.Poison, int]] = []

        async def poison() -> None:
            injected = await poison_event.inject(run_.engine, run_.catalogue.users[0])
            poisoned.append((injected, await poison_event.rename_after(run_.graphql, injected)))

        written = await fault_run.stream(run_, WRITES, POISON_AFTER, poison)
        return await poison_event.healed_row(run_, NAME, poisoned[0], written)


SCENARIO = Scenario(
    name=NAME,
    breaks="a poison event written into the log mid-stream; repaired, then retried",
    deadline_s=90.0,
    run=run,
)
