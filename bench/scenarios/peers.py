"""`peers`: Diptych beside what its users would pick instead, PostGraphile 5, on the same
PostgreSQL tables, through the same Python load client (issue 14).

A scratch database is seeded through Diptych's own command path (bench/seeding.py: users,
products, a year of orders, each a command through `write.handling.handle`); then the indexes a
PostGraphile user would add and a function for sales by day (bench/postgraphile_functions.py),
VACUUM ANALYZE; then `diptych serve` on that database (its relay and projector, in-process or as
workers when a broker is set, index the whole log before any timing) and PostGraphile on the same
database (bench/postgraphile_peer.py, installed from npm on first use). Diptych's clients send
its admin token, as a frontend would; PostGraphile runs as its users start it, connected as the
database's owner, with no authentication of its own.

Four questions (bench/peer_questions.py), each side asked over HTTP by the same client,
`concurrency` requests at a time, in alternating rounds: three reads, whose answers are first
checked equal, and creating a product (`addProduct` vs `createProduct`), after each of Diptych's
rounds every product it added read back with its consistency token. Goals: reads at least 2x
PostGraphile's queries/s, the write at least 0.8x its mutations/s; the scenario's row is the
question furthest from (or closest to) its goal.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import (
    dba_indexes,
    peer_rounds,
    postgraphile_functions,
    postgraphile_peer,
    seed_data,
    seeding,
)
from bench.errors import NotRun
from bench.load import Run, Tick, closed_loop, throughput
from bench.load_http import http_client
from bench.measurements import Goal, Outcome, Part, Side
from bench.peer_questions import PeerQuestion, the_questions
from bench.peer_rounds import Endpoint, Operation, Writes
from bench.progress import bar
from bench.quiet import until_quiet
from bench.reads_under_writes import Hits, reads_beside_writes
from bench.scenario import Context, Scenario
from bench.service import running
from write.sqlalchemy.outbox import last_position

NAME = "peers"
READS = Goal(2.0)
WRITES = Goal(0.8)


@dataclass(frozen=True)
class Size:
    shop: seed_data.Size
    seed_concurrency: int
    rounds: int
    reads: int  # per round, question and side
    writes: int  # per round and side
    concurrency: int  # clients at a time
    checks: int  # askings of each read question compared before any timing
    warmup: int  # operations per question and side before the first round, not counted
    write_rate: float  # creations/s on the side being read, for the reads during writes
    settle_s: float  # the longest wait for a quiet machine before timing (bench/quiet.py)


FULL = Size(seed_data.Size(users=2000, products=10_000, orders=20_000, days=365),
            seed_concurrency=8, rounds=3, reads=1000, writes=800, concurrency=8, checks=5,
            warmup=100, write_rate=50, settle_s=120)
QUICK = Size(seed_data.Size(users=30, products=60, orders=300, days=365),
             seed_concurrency=4, rounds=2, reads=16, writes=16, concurrency=4, checks=2,
             warmup=4, write_rate=20, settle_s=2)


async def run(context: Context) -> Outcome:
    size = QUICK if context.quick else FULL
    backends = context.backends.on_postgres()
    if backends is None:
        raise NotRun("it needs PostgreSQL: set DIPTYCH_DATABASE_URL or DIPTYCH_BENCH_POSTGRES_URL")
    installation = await postgraphile_peer.install()
    data_dir = context.workdir / "service"
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(backends.database(data_dir, "peers"))
        broker = await stack.enter_async_context(backends.broker())
        loading = seeding.loading_engine(database)
        stack.push_async_callback(loading.dispose)
        plan = seed_data.plan(size.shop)
        seeded = await seeding.seed(loading, plan, size.seed_concurrency, NAME)
        await postgraphile_functions.prepare(loading)
        await _vacuum_analyze(loading)
        head = await last_position(loading)
        service = await stack.enter_async_context(
            running(data_dir, {"DIPTYCH_DATABASE_URL": database, **broker}))
        http = await stack.enter_async_context(http_client(size.concurrency))
        diptych = Endpoint(http, service.graphql, service.authorization)
        projected = await peer_rounds.until_projected(diptych, head)
        server = await stack.enter_async_context(
            postgraphile_peer.running(installation, database, context.workdir / "peer.log"))
        peer = Endpoint(http, server.graphql, {})
        count = size.checks + size.warmup + size.rounds * size.reads
        questions = the_questions(plan, count)
        for question in questions:
            await peer_rounds.same_answers(diptych, peer, question, size.checks)
        settled = await until_quiet(size.settle_s)
        total = 2 * (len(questions) * (size.warmup + size.rounds * size.reads)
                     + size.rounds * size.reads + size.warmup + size.rounds * size.writes)
        hits = Hits(http, service.url)
        shares: dict[str, str] = {}
        writes = Writes(diptych, peer, size.writes, size.concurrency, [])
        with bar(f"{NAME}: ask", total, unit="request") as progress:
            parts = []
            for question in questions:
                async with hits.share(shares, f"answers_kept_{_slug(question.name)}"):
                    parts.append(await _read(question, diptych, peer, size, progress.update))
            async with hits.share(shares, f"answers_kept_{_slug(questions[0].name)}_writing"):
                parts.append(await _read_while_writing(questions[0], writes, size,
                                                       progress.update))
            parts.append(await _write(writes, size, progress.update))
        write_store = (await backends.describe())["write_store"]
    closest = min(parts, key=lambda part: part.ratio / (part.goal or READS).bound)
    return Outcome(
        scenario=NAME,
        diptych=_renamed(closest.diptych, f"{closest.name}: the question furthest below (or "
                         "least above) its goal; every question is listed part by part"),
        raw=closest.raw,
        goal=closest.goal or READS,
        parameters={
            "postgraphile": installation.version, "rounds": size.rounds,
            "reads_per_round": size.reads, "writes_per_round": size.writes,
            "concurrency": size.concurrency, "orders": len(plan.orders),
            "products": len(plan.products), "users": len(plan.users),
            "seeded_commands": seeded.commands, "seed_commands_per_s": round(seeded.rate, 1),
            "projection_catch_up_s": round(projected, 1),
            "writes_checked_visible": writes.checked,
            "slowest_visibility_check_s": round(writes.slowest_check_s, 2),
            "write_rate_while_reading": size.write_rate,
            "settling_before_timing_s": round(settled, 1),
            **shares,
        },
        notes=_notes(installation.version, write_store),
        parts=tuple(parts),
    )


async def _read(question: PeerQuestion, diptych: Endpoint, peer: Endpoint, size: Size,
                tick: Tick) -> Part:
    start = size.checks
    for endpoint, request in ((diptych, question.diptych), (peer, question.peer)):
        warm = peer_rounds.reading(endpoint, request, start, size.warmup)(0)
        await closed_loop(warm, size.warmup, size.concurrency, tick)
    start += size.warmup
    ours, theirs = await peer_rounds.alternating(
        size.rounds, peer_rounds.reading(diptych, question.diptych, start, size.reads),
        peer_rounds.reading(peer, question.peer, start, size.reads), size.reads,
        size.concurrency, tick)
    return Part(question.name, _side(ours, f"{question.name}, Diptych", "queries/s"),
                _side(theirs, f"{question.name}, PostGraphile", "queries/s"), READS)


async def _read_while_writing(question: PeerQuestion, writes: Writes, size: Size,
                             tick: Tick) -> Part:
    """The question again, each side taking `write_rate` creations/s of products while it is
    read (bench/reads_under_writes.py): every write changes what Diptych's kept answers hold."""
    start = size.checks + size.warmup + size.rounds * size.reads
    ours: list[Run] = []
    theirs: list[Run] = []
    for number in range(size.rounds):
        sides = [
            (ours, peer_rounds.reading(writes.diptych, question.diptych, start, size.reads),
             writes.ours(f"PRW{number}-")),
            (theirs, peer_rounds.reading(writes.peer, question.peer, start, size.reads),
             writes.theirs(f"PPRW{number}-")),
        ]
        for runs, reads, creations in sides if number % 2 == 0 else sides[::-1]:
            create = creations(0)

            async def bounded(n: int, create: Operation = create) -> None:
                if n < size.writes:  # the round's distinct products; beyond, none
                    await create(n)
            run, _ = await reads_beside_writes(reads(number), bounded, size.reads,
                                               size.concurrency, size.write_rate, tick)
            runs.append(run)
    name = f"{question.name}, during writes"
    return Part(name, _side(ours, f"{name}, Diptych", "queries/s"),
                _side(theirs, f"{name}, PostGraphile", "queries/s"), READS)


def _slug(name: str) -> str:
    return "_".join(name.lower().split())


async def _write(writes: Writes, size: Size, tick: Tick) -> Part:
    await closed_loop(writes.ours("PDW")(0), size.warmup, size.concurrency, tick)
    await writes.check_visible(0)
    await closed_loop(writes.theirs("PPW")(0), size.warmup, size.concurrency, tick)
    ours, theirs = await peer_rounds.alternating(
        size.rounds, writes.ours("PD"), writes.theirs("PP"), size.writes, size.concurrency, tick,
        after_ours=writes.check_visible)
    return Part("create a product",
                _side(ours, "create a product: addProduct, Diptych", "mutations/s"),
                _side(theirs, "create a product: createProduct, PostGraphile", "mutations/s"),
                WRITES)


async def _vacuum_analyze(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))
        await autocommit.execute(text("CHECKPOINT"))  # the seed's dirty buffers out, not timed


def _side(runs: list[Run], label: str, unit: str) -> Side:
    figure, rounds, samples = throughput(runs)
    return Side(label=label, unit=unit, figure=figure, rounds=rounds, latencies_ms=samples)


def _renamed(side: Side, label: str) -> Side:
    return Side(label, side.unit, side.figure, side.rounds, side.latencies_ms)


def _notes(version: str, write_store: str) -> tuple[str, ...]:
    return (
        f"Write store: {write_store}, a scratch database seeded through write.handling.handle; "
        f"both sides read and write its tables. PostGraphile {version} (Amber preset, "
        "postgraphile-plugin-connection-filter with its relation filters, production mode), "
        "one Node.js process; Diptych: `diptych serve`, one process (plus its workers when a "
        "broker is set), answering from its tantivy index.",
        f"Indexes added for both, after seeding: {dba_indexes.SUMMARY}; and for PostGraphile "
        "the function sales_by_day(first_day, last_day), its query field salesByDay.",
        "Same load client for both (aiohttp, one connection per concurrent client), alternating "
        "rounds; reads' answers compared equal first. Diptych's requests carry an admin token; "
        "PostGraphile's none (it has no authentication configured, as it is started here).",
        "Ratio: Diptych's operations/s over PostGraphile's for the same requests; reads' goal "
        ">= 200%, the write's >= 80%.",
    )


SCENARIO = Scenario(
    name=NAME,
    diptych="Diptych over HTTP on a PostgreSQL write store it seeded: three read questions and "
            "addProduct, N concurrent clients",
    raw="PostGraphile 5 (Amber, connection-filter) on the same tables with the indexes its users "
        "would add, same clients, same requests",
    goal=READS,
    run=run,
)
