"""`write`: GraphQL mutations/s over HTTP, beside the write store's own transactions/s.

Diptych: N concurrent HTTP clients send `addProduct` to `diptych serve`; each mutation is one
transaction that inserts the product row and its ProductAdded event (the outbox), with the relay
and projector running as usual. Raw limit: N concurrent tasks in the bench process run
INSERT product + INSERT event + COMMIT, with rows built the way the write side builds them,
through the same driver and engine set-up (write/sqlalchemy/database.py) into the real tables
of a scratch database of the same kind.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from bench import catalog
from bench.graphql import GraphQLClient
from bench.load import Run, closed_loop, interleaved, throughput
from bench.load_http import http_client
from bench.measurements import Goal, Outcome, Side
from bench.progress import bar
from bench.scenario import Context, Scenario
from bench.service import running
from write.event_records import records_of
from write.products.product import Product
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.tables import events, products

Rows = tuple[dict[str, Any], dict[str, Any]]  # (products row, events row)
GOAL = Goal(0.6)


@dataclass(frozen=True)
class Size:
    rounds: int
    operations: int  # per round and side
    concurrency: int
    warmup: int  # operations per side before the first round, not counted


FULL = Size(rounds=8, operations=400, concurrency=8, warmup=100)
QUICK = Size(rounds=2, operations=20, concurrency=4, warmup=5)


async def run(context: Context) -> Outcome:
    size = QUICK if context.quick else FULL
    backends = context.backends
    async with contextlib.AsyncExitStack() as stack:
        service_db = await stack.enter_async_context(
            backends.database(context.workdir / "service", "service"))
        raw_db = await stack.enter_async_context(backends.database(context.workdir / "raw", "raw"))
        broker = await stack.enter_async_context(backends.broker())
        service = await stack.enter_async_context(running(
            context.workdir / "service", {"DIPTYCH_DATABASE_URL": service_db, **broker}))
        graphql = GraphQLClient(await stack.enter_async_context(http_client(size.concurrency)),
                                service)
        engine = create_engine(raw_db)
        stack.push_async_callback(engine.dispose)
        progress = stack.enter_context(
            bar("write", 2 * (size.warmup + size.rounds * size.operations)))

        async def mutations(prefix: str, count: int) -> Run:
            specs = [spec.variables() for spec in catalog.products(prefix, count)]

            async def mutate(number: int) -> None:
                await graphql.add_product(specs[number])

            return await closed_loop(mutate, count, size.concurrency, progress.update)

        async def transactions(prefix: str, count: int) -> Run:
            rows = [_rows(spec) for spec in catalog.products(prefix, count)]

            async def transact(number: int) -> None:
                product, event = rows[number]
                async with engine.begin() as connection:
                    await connection.execute(insert(products), product)
                    await connection.execute(insert(events).returning(events.c.position), event)

            return await closed_loop(transact, count, size.concurrency, progress.update)

        async def diptych_round(number: int) -> Run:
            return await mutations(f"W{number}", size.operations)

        async def raw_round(number: int) -> Run:
            return await transactions(f"W{number}", size.operations)

        await mutations("WARM", size.warmup)
        await transactions("WARM", size.warmup)
        ours, theirs = await interleaved(size.rounds, diptych_round, raw_round)
    driver = engine.dialect.driver
    return Outcome(
        scenario="write",
        diptych=_side(ours, "addProduct mutations over HTTP (GraphQL)", "mutations/s"),
        raw=_side(theirs, f"INSERT product + INSERT event + COMMIT ({driver})", "transactions/s"),
        goal=GOAL,
        parameters={"rounds": size.rounds, "operations_per_round": size.operations,
                    "concurrency": size.concurrency},
    )


def _rows(spec: catalog.ProductSpec) -> Rows:
    """The rows the write side inserts for an addProduct: the aggregate's state and its event."""
    product = Product.add(str(uuid.uuid4()), spec.sku, spec.name, spec.description,
                          spec.category, spec.price, spec.stock)
    state = {column.name: getattr(product, column.name) for column in products.columns}
    (record,) = records_of([product], datetime.now(UTC))
    return state, record.row()


def _side(runs: list[Run], label: str, unit: str) -> Side:
    figure, rounds, samples = throughput(runs)
    return Side(label=label, unit=unit, figure=figure, rounds=rounds, latencies_ms=samples)


SCENARIO = Scenario(
    name="write",
    diptych="addProduct mutations/s over HTTP, N concurrent clients",
    raw="INSERT(state) + INSERT(event) + COMMIT transactions/s, same driver, same concurrency",
    goal=GOAL,
    run=run,
)
