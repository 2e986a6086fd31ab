"""`rebuild-under-load`: `diptych rebuild` while writes stream and a reader loops over queries.

PostgreSQL, RabbitMQ and the three processes on tantivy. Mid-stream `diptych rebuild` builds a
new index version from the event log beside the live one, catches it up and hands it over to the
live projector, and the API's readers switch to it. Meanwhile a reader asks for products one by
one and for the products' count, as fast as the API answers: every query that fails is counted,
and so is every answer older than one the reader had already seen (a product's version, or the
count, going down). Both must be 0; the swap time is from the rebuild's "handing over" to its
"swapped".
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

from bench.backends import Backends
from bench.errors import BenchError
from bench.graphql import PRODUCT_VERSION
from bench.processes import spawn
from chaos import fault_run
from chaos.chaos_scenario import ChaosError, Context, Outcome, Scenario
from chaos.fault_run import Run

NAME = "rebuild-under-load"
WRITES, REBUILD_AFTER = 900, 150
COUNT = "query { products(first: 1) { totalCount } }"
REBUILD_TIMEOUT = 60.0


class Reader:
    """Queries in a loop: how many, how many failed, how many went backwards."""

    def __init__(self, run: Run) -> None:
        self.run, self.queries, self.failed, self.backwards = run, 0, 0, 0
        self.seen: dict[str, int] = {}
        self.errors: list[str] = []

    async def loop(self, stop: asyncio.Event) -> None:
        rng = random.Random(6)
        while not stop.is_set():
            product = rng.choice(self.run.catalogue.products)
            try:
                if self.queries % 4 == 3:
                    key, value = "count", int(
                        (await self.run.graphql(COUNT))["products"]["totalCount"])
                else:  # not found yet: version 0; not found after it was: went backwards
                    found = (await self.run.graphql(PRODUCT_VERSION, id=product))["product"]
                    key, value = product, int(found["version"]) if found else 0
            except (BenchError, KeyError, TypeError) as error:
                self.failed += 1
                self.errors.append(str(error)[:300])
                continue
            finally:
                self.queries += 1
            self.backwards += int(value < self.seen.get(key, 0))
            self.seen[key] = max(value, self.seen.get(key, 0))


async def run(context: Context) -> Outcome:
    postgres = fault_run.needs_postgres(context)
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(
            Backends(postgres=postgres).database(context.workdir, "rebuild"))
        broker = await fault_run.broker_settings(stack, context)
        run_ = await stack.enter_async_context(fault_run.started(context, database, broker))
        await fault_run.converged(run_, time.monotonic())  # the seed is visible: no "not found"
        reader, stop = Reader(run_), asyncio.Event()
        reading = asyncio.create_task(reader.loop(stop))
        try:
            written = await fault_run.stream(run_, WRITES, REBUILD_AFTER, lambda: _rebuild(run_))
        finally:
            stop.set()
            await reading
        run_.notes.append(
            f"a reader asked {reader.queries} queries through the stream and the rebuild: "
            f"{reader.failed} failed, {reader.backwards} answered older than an answer before")
        if reader.failed or reader.backwards:
            run_.findings.append(f"queries failed ({reader.failed}) or went backwards "
                                 f"({reader.backwards}) during a rebuild: {reader.errors[:3]}")
        run_.findings.extend(run_.stack.dead())
        return (await fault_run.audited(run_, NAME, written, parked_apart=False))[1]


async def _rebuild(run: Run) -> None:
    log = run.stack.data_dir / "logs" / "rebuild.log"
    rebuild = spawn("diptych rebuild", "diptych", ["rebuild"], run.stack.env, log)
    started = time.monotonic()
    try:
        await rebuild.wait_for_output("handing over", REBUILD_TIMEOUT)
        handing = time.monotonic()
        await rebuild.wait_for_output("swapped", REBUILD_TIMEOUT)
        swapped = time.monotonic()
        code = await asyncio.to_thread(rebuild.popen.wait, REBUILD_TIMEOUT)
    except BenchError as error:
        raise ChaosError(str(error)) from error
    finally:
        await rebuild.stop()
    if code != 0:
        raise rebuild.failure(f"exited with {code}")
    built = next((line for line in rebuild.output().splitlines() if line.startswith("built")), "")
    run.notes.append(
        f"`diptych rebuild` after {REBUILD_AFTER} writes: built in {handing - started:.1f} s "
        f"({built.split(':')[1].split(' in ')[0].strip() if ':' in built else '?'}), then "
        f"swapped {swapped - handing:.2f} s after handing over; writes went on throughout")


SCENARIO = Scenario(
    name=NAME,
    breaks="`diptych rebuild` under a write stream and a reading loop",
    deadline_s=100.0,
    run=run,
)
