"""`freshness`: commit -> visible-to-query latency at half the sustainable write rate, beside the
index's own commit latency.

Diptych: first the sustainable rate, as `addProduct` mutations/s from N concurrent clients; then,
paced at half that rate, each operation sends `addProduct` and, as soon as its answer arrives,
`product(id, consistency: token)`, which the server answers once the index reflects the write.
The sample is the time from the mutation's answer to the query's answer: the wait for relay and
projector plus one GraphQL query over HTTP. Nothing is subtracted. (Issue 5's goal is stated for
the `readModelCaughtUp` subscription; this measures the token query, which waits on the same
visibility feed.)

Raw limit: paced at the same rate, TantivyIndex.write of one document (a copy of one the service
projected, under a new id) into an index of the same size, then `get` until it is found: the
index's own commit-to-searchable time.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass

from bench import catalog
from bench.errors import BenchError
from bench.graphql import PRODUCT_VERSION, GraphQLClient, http_client
from bench.load import Run, closed_loop, interleaved, paced
from bench.measurements import Goal, Outcome, Side
from bench.progress import bar
from bench.scenario import Context, Scenario
from bench.service import running
from bench.stats import percentile
from read.documents import PRODUCT
from read.index import Document, Upsert
from read.tantivy_index import TantivyIndex

GOAL = Goal(2.0, at_most=True)


@dataclass(frozen=True)
class Size:
    probe: int  # mutations that measure the sustainable rate
    concurrency: int  # of the probe
    rounds: int
    samples: int  # per round and side


FULL = Size(probe=400, concurrency=8, rounds=8, samples=100)
QUICK = Size(probe=20, concurrency=4, rounds=2, samples=10)


async def run(context: Context) -> Outcome:
    size = QUICK if context.quick else FULL
    data_dir = context.workdir / "service"
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(context.backends.database(data_dir, "service"))
        broker = await stack.enter_async_context(context.backends.broker())
        service = await stack.enter_async_context(
            running(data_dir, {"DIPTYCH_DATABASE_URL": database, **broker}))
        graphql = GraphQLClient(await stack.enter_async_context(http_client(size.concurrency * 4)),
                                service.graphql)
        progress = stack.enter_context(
            bar("freshness", size.probe + 2 * size.rounds * size.samples))

        probe = catalog.products("PROBE", size.probe)
        ids: list[str] = []

        async def add(number: int) -> None:
            ids.append((await graphql.add_product(probe[number].variables()))["id"])

        sustainable = (await closed_loop(add, size.probe, size.concurrency, progress.update)).rate
        rate = sustainable / 2

        # Documents the service projected, to copy into the raw index: the same shape and size.
        service_index = TantivyIndex(service.index_dir, read_only=True)
        await service_index.open()
        stack.push_async_callback(service_index.close)
        templates = list((await service_index.get_many(PRODUCT, ids)).values())
        raw = TantivyIndex(context.workdir / "raw-index")
        await raw.open()
        stack.push_async_callback(raw.close)
        await raw.write([_copy(template) for template in templates])

        async def diptych_round(number: int) -> Run:
            specs = [s.variables() for s in catalog.products(f"F{number}", size.samples)]

            async def mutate_then_read(sample: int) -> float:
                added = await graphql.add_product(specs[sample])
                answered = time.perf_counter()
                seen = await graphql(PRODUCT_VERSION, id=added["id"],
                                     token=added["consistencyToken"])
                waited = (time.perf_counter() - answered) * 1000
                if (seen["product"] or {}).get("version") != added["version"]:
                    raise BenchError(f"a token query answered before its write was visible: {seen}")
                return waited

            return await paced(mutate_then_read, size.samples, rate, progress.update)

        async def raw_round(number: int) -> Run:
            async def write_then_find(sample: int) -> float:
                document = _copy(templates[(number * size.samples + sample) % len(templates)])
                started = time.perf_counter()
                await raw.write([document])
                found = await raw.get(document.kind, document.id)
                waited = (time.perf_counter() - started) * 1000
                if found is None:
                    raise BenchError("tantivy acknowledged a write that a lookup cannot find")
                return waited

            return await paced(write_then_find, size.samples, rate, progress.update)

        ours, theirs = await interleaved(size.rounds, diptych_round, raw_round)
    return Outcome(
        scenario="freshness",
        diptych=_side(ours, "addProduct answered -> product(id, consistency: token) answered"),
        raw=_side(theirs, "TantivyIndex.write of one document -> get() finds it"),
        goal=GOAL,
        parameters={"sustainable_mutations_per_s": round(sustainable, 1),
                    "paced_per_s": round(rate, 1), "rounds": size.rounds,
                    "samples_per_round": size.samples},
        notes=("Diptych's figure includes one GraphQL query over HTTP: the token query that "
               "waits, not the readModelCaughtUp subscription.",),
    )


def _copy(template: Document) -> Upsert:
    id_ = str(uuid.uuid4())
    return Upsert(template.kind, id_, template.version, template.body | {"id": id_})


def _side(runs: list[Run], label: str) -> Side:
    samples = tuple(s for run in runs for s in run.samples_ms)
    return Side(
        label=label,
        unit="ms p99",
        figure=percentile(samples, 99),
        rounds=tuple(percentile(run.samples_ms, 99) for run in runs),
        latencies_ms=samples,
    )


SCENARIO = Scenario(
    name="freshness",
    diptych="commit -> visible-to-query latency at half the sustainable write rate",
    raw="the index's own commit-to-searchable latency (one document), same pace",
    goal=GOAL,
    run=run,
)
