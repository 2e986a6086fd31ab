"""`crud-vs-cqrs`: the orders issue's read-model questions, through the read side and as the SQL a
single-model CRUD service would run on the write store, same data, same PostgreSQL, same run.

Seeding (bench/seeding.py): users, products and a year of orders, each a command through
`write.handling.handle`, while the relay, broker and projector run in this process as `diptych
serve` wires them (diptych.bootstrap.run_services); then the run waits until the projector's
checkpoint reaches the end of the log, adds the indexes a DBA would add for the SQL side's
questions (bench/dba_indexes.py: pg_trgm GIN for the text match, composite indexes for the
filters and sorts), and VACUUM ANALYZEs the write store so its planner knows the tables as a
running service's would.

Then three questions (bench/questions.py), each asked both ways with the same varied parameters,
one query at a time, in alternating rounds (bench/asking.py): the read side through the `read/`
query functions on the service's own index (bench/read_side.py), SQL through a second engine set
up like the service's (bench/sql_side.py). Neither goes through HTTP. Before any timing, both
ways must give equal answers to every warm-up asking. A question's ratio is the read side's
queries/s over SQL's, i.e. SQL's time over the read side's for the same askings; the scenario's
own row shows the question where that ratio is lowest, so its goal holds only if the read side is
faster on every question.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import asking, dba_indexes, seed_data, seeding
from bench.errors import NotRun
from bench.load import Run, throughput
from bench.measurements import Goal, Outcome, Part, Side
from bench.scenario import Context, Scenario
from diptych.bootstrap import run_services
from diptych.settings import Settings
from write.sqlalchemy.database import create_engine

NAME = "crud-vs-cqrs"
GOAL = Goal(1.0)


@dataclass(frozen=True)
class Size:
    shop: seed_data.Size
    concurrency: int  # commands at a time while seeding
    rounds: int
    askings: int  # per round, question and side
    warmup: int  # askings per question and side before the first round, each answer checked


FULL = Size(seed_data.Size(users=5000, products=10_000, orders=100_000, days=365),
            concurrency=8, rounds=5, askings=20, warmup=5)
QUICK = Size(seed_data.Size(users=30, products=60, orders=300, days=365),
             concurrency=4, rounds=2, askings=3, warmup=2)


async def run(context: Context) -> Outcome:
    size = QUICK if context.quick else FULL
    backends = context.backends.on_postgres()
    if backends is None:
        raise NotRun("it needs PostgreSQL: set DIPTYCH_DATABASE_URL or DIPTYCH_BENCH_POSTGRES_URL")
    data_dir = context.workdir / "service"
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(backends.database(data_dir, "crud"))
        broker = await stack.enter_async_context(backends.broker())
        settings = Settings.from_env(
            {"DIPTYCH_DATA_DIR": str(data_dir), "DIPTYCH_DATABASE_URL": database, **broker})
        services = await stack.enter_async_context(run_services(settings, with_workers=True))
        loading = seeding.loading_engine(database)
        stack.push_async_callback(loading.dispose)
        plan = seed_data.plan(size.shop)
        seeded = await seeding.seed(loading, plan, size.concurrency, NAME)
        projected = await seeding.until_projected(loading, services.index, NAME)
        await dba_indexes.add_indexes(loading)  # the SQL side's, as a DBA would add them
        await _vacuum_analyze(loading)
        engine = create_engine(database)  # the SQL side's, set up as the service's
        stack.push_async_callback(engine.dispose)
        write_store = (await backends.describe())["write_store"]
        ways = asking.BothWays(services.index, engine,
                               asking.the_questions(plan, size.warmup + size.rounds * size.askings))
        await asking.same_answers(ways, size.warmup)
        ours, theirs = await asking.rounds(ways, size.warmup, size.rounds, size.askings, NAME)
    parts = tuple(_part(name, ours[name], theirs[name]) for name in ours)
    closest = min(parts, key=lambda part: part.ratio)
    return Outcome(
        scenario=NAME,
        diptych=_side(ours[closest.name], f"{closest.name}, read side (the question where its "
                      "lead is smallest; every question is listed part by part)"),
        raw=_side(theirs[closest.name], f"{closest.name}, SQL on the write store"),
        goal=GOAL,
        parameters={
            "rounds": size.rounds, "askings_per_round": size.askings, "orders": len(plan.orders),
            "products": len(plan.products), "users": len(plan.users),
            "seeded_commands": seeded.commands, "seed_commands_per_s": round(seeded.rate, 1),
            "projection_catch_up_s": round(projected, 1),
        },
        notes=_notes(seeded, write_store),
        parts=parts,
    )


async def _vacuum_analyze(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))


def _part(name: str, ours: list[Run], theirs: list[Run]) -> Part:
    return Part(name, _side(ours, f"{name}, read side"), _side(theirs, f"{name}, SQL"))


def _side(runs: list[Run], label: str) -> Side:
    figure, rounds, samples = throughput(runs)
    return Side(label=label, unit="queries/s", figure=figure, rounds=rounds, latencies_ms=samples)


def _notes(seeded: seeding.Seeded, write_store: str) -> tuple[str, ...]:
    return (
        f"Write store: {write_store}, a scratch database. Read side (read.query): "
        "order_queries.orders (sort NEWEST), sales_queries.sales_summary (DAY, grouped by "
        "STATUS), product_queries.products (one category, by price, with facets) on the "
        "service's tantivy index. SQL: "
        "bench/sql_side.py on the write store's tables and indexes, ILIKE for words, with the "
        f"indexes a DBA would add: {dba_indexes.SUMMARY}. Neither side goes through HTTP.",
        f"Seeded through write.handling.handle: {seeded.commands:,} commands at "
        f"{seeded.rate:,.0f}/s; dates spread over the year by a backdating unit of work "
        "(bench/seeding.py); the index built by the real relay and projector.",
        "Ratio: the read side's queries/s over SQL's, one query at a time, i.e. SQL's time over "
        "the read side's for the same askings; above 100% the read side is faster.",
    )


SCENARIO = Scenario(
    name=NAME,
    diptych="the orders issue's read-model questions through the read side (read/ queries)",
    raw="the same questions as SQL on the write store (orders, order_lines, users, products)",
    goal=GOAL,
    run=run,
)
