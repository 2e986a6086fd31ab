"""`rabbitmq-outage`: RabbitMQ down for 20 s mid-stream; direct sync keeps reads fresh.

A scratch one-node RabbitMQ (chaos/rabbitmq_cluster.py; the machine's own broker is never
touched), PostgreSQL, and the three processes. Mid-stream the node's broker application is
stopped (`rabbitmqctl stop_app`: every AMQP connection is closed and refused until `start_app`),
for 20 s, while the writing goes on. DIPTYCH_DIRECT_AFTER is set to 3 s (the default is 10) so
that the projector reads the event log itself early in the outage. Beside the writes,
chaos/freshness_probe.py samples `projectionStatus` and times token reads of a write a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time

from bench.backends import Backends
from chaos import fault_run, freshness_probe, rabbitmq_cluster
from chaos.chaos_scenario import Context, Outcome, Scenario
from chaos.fault_run import Run
from chaos.freshness_probe import StatusSample, Visibility

NAME = "rabbitmq-outage"
DOWN_S = 20.0
DIRECT_AFTER = 3.0
BACK_TIMEOUT = 20.0  # for the projector to reconnect and report BROKER again
WRITES, STOP_AFTER, PAUSE = 700, 120, 0.2  # paced: the stream lasts through the outage


async def run(context: Context) -> Outcome:
    postgres = fault_run.needs_postgres(context)
    async with contextlib.AsyncExitStack() as stack:
        cluster = stack.enter_context(rabbitmq_cluster.running(context.workdir / "rabbitmq", 1))
        (node,) = cluster.nodes
        database = await stack.enter_async_context(
            Backends(postgres=postgres).database(context.workdir, "outage"))
        broker = await stack.enter_async_context(Backends(
            amqp=f"amqp://guest:guest@127.0.0.1:{node.port}/", shards=fault_run.SHARDS).broker())
        run_ = await stack.enter_async_context(fault_run.started(
            context, database, broker | {"DIPTYCH_DIRECT_AFTER": str(DIRECT_AFTER)}))
        stop, samples = asyncio.Event(), list[StatusSample]()
        sampling = asyncio.create_task(freshness_probe.statuses(run_.graphql, stop, samples))
        probing = asyncio.create_task(freshness_probe.visibility(
            run_.graphql, run_.catalogue.products[0], stop))
        outage: list[float] = []

        async def down() -> None:
            await asyncio.to_thread(cluster.cli.ctl, node.name, "stop_app")
            outage.append(time.monotonic())
            await asyncio.sleep(DOWN_S)
            await asyncio.to_thread(cluster.cli.ctl, node.name, "start_app")
            outage.append(time.monotonic())

        try:
            written = await fault_run.stream(run_, WRITES, STOP_AFTER, down, PAUSE)
            back = await freshness_probe.mode_after(samples, "BROKER", outage[1], BACK_TIMEOUT)
        finally:
            stop.set()
            await sampling
            seen = await probing
        _observe(run_, samples, seen, outage[0], outage[1])
        run_.notes.append("mode BROKER again " + (
            f"{back:.1f} s after `start_app` returned" if back is not None else
            f"not seen within {BACK_TIMEOUT:g} s of `start_app`"))
        run_.findings.extend(run_.stack.dead())
        return (await fault_run.audited(run_, NAME, written))[1]


def _observe(run: Run, samples: list[StatusSample], seen: list[Visibility], down: float,
             up: float) -> None:
    modes = freshness_probe.modes(samples)
    direct = [s.at for s in samples if s.mode == "DIRECT" and down <= s.at <= up]
    run.notes.append(
        f"RabbitMQ stopped (`rabbitmqctl stop_app`) after {STOP_AFTER} writes, for {DOWN_S:g} s "
        f"({up - down:.1f} s until `start_app` had returned); "
        f"DIPTYCH_DIRECT_AFTER={DIRECT_AFTER:g} s (default 10 s); projectionStatus mode seen: "
        f"{' -> '.join(modes)}")
    if modes[-3:] != ["BROKER", "DIRECT", "BROKER"]:
        run.findings.append(f"projectionStatus's mode went {' -> '.join(modes)} over the outage, "
                            "not BROKER -> DIRECT -> BROKER")
    if direct:
        took = direct[0] - down
        worst = freshness_probe.worst_lag(samples, direct[0], up)
        during = [v.wait_s for v in seen if direct[0] <= v.at <= up]
        waits = (f"token reads of a write a second waited median {statistics.median(during):.2f}"
                 f" s, worst {max(during):.2f} s" if during else "no token read in DIRECT mode")
        run.notes.append(
            f"direct sync took over {took:.1f} s into the outage; from then to the broker's "
            f"return the worst lagSeconds reported was {worst:.2f} s; {waits}")
    before = [v.wait_s for v in seen if v.at < down]
    if before:
        run.notes.append(f"before the outage token reads waited at worst {max(before):.2f} s")


SCENARIO = Scenario(
    name=NAME,
    breaks="RabbitMQ stopped for 20 s mid-stream; direct sync after 3 s",
    deadline_s=110.0,
    run=run,
)
