"""`read`: GraphQL `products(search: ...)` queries/s and latency over HTTP, beside a bare
Starlette JSON route that calls the same index query on the same index.

Both servers run as separate processes under uvicorn with the same settings, and are driven by
the same N concurrent HTTP clients with the same sequence of search words. The raw server opens
a copy of the service's index taken after seeding, in the same mode as the API opens its own
(writable on the embedded default, read-only beside a separate projector), so both do the same
index work per query. Diptych runs with its answer cache off (DIPTYCH_ANSWER_CACHE_BYTES=0),
so that every query does that work: the words repeat, and the raw route keeps no answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench import catalog
from bench.errors import BenchError
from bench.graphql import PRODUCTS, GraphQLClient
from bench.load import Run, Tick, closed_loop, interleaved, throughput
from bench.load_http import LoadHttp, http_client
from bench.measurements import Goal, Outcome, Side
from bench.processes import free_port, spawn
from bench.progress import bar
from bench.scenario import Context, Scenario
from bench.service import running

GOAL = Goal(0.5)
PAGE = 20
TAG = catalog.tag("read", 0)


@dataclass(frozen=True)
class Size:
    corpus: int  # products in the index
    rounds: int
    queries: int  # per round and side
    concurrency: int
    warmup: int


FULL = Size(corpus=2000, rounds=8, queries=400, concurrency=8, warmup=100)
QUICK = Size(corpus=40, rounds=2, queries=20, concurrency=4, warmup=5)


async def run(context: Context) -> Outcome:
    size = QUICK if context.quick else FULL
    data_dir = context.workdir / "service"
    terms = catalog.search_terms()
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(context.backends.database(data_dir, "service"))
        broker = await stack.enter_async_context(context.backends.broker())
        settings = {"DIPTYCH_DATABASE_URL": database, **broker}
        http = await stack.enter_async_context(http_client(size.concurrency))
        progress = stack.enter_context(
            bar("read", size.corpus + 2 * (size.warmup + size.rounds * size.queries)))

        async with running(data_dir, settings) as service:
            await _seed(GraphQLClient(http, service), size, progress.update)
        # Stopped, the service has merged and closed its index: a consistent copy.
        copy = context.workdir / "raw-index"
        shutil.copytree(service.index_dir, copy)
        # The answer cache off: the scenario measures what the layers above the index cost per
        # query, and its words repeat (peers measures the cache, with its hit rates).
        service = await stack.enter_async_context(
            running(data_dir, {**settings, "DIPTYCH_ANSWER_CACHE_BYTES": "0"}))
        raw_url = await stack.enter_async_context(
            _raw_server(copy, service.separate_workers, context.workdir / "raw.log"))
        graphql = GraphQLClient(http, service)

        async def diptych_query(number: int) -> None:
            await graphql(PRODUCTS, search=terms[number % len(terms)], first=PAGE)

        async def raw_query(number: int) -> None:
            params = {"search": terms[number % len(terms)], "first": str(PAGE)}
            status, _ = await http.get_json(f"{raw_url}/products", params)
            if status != 200:
                raise BenchError(f"the raw read route answered {status}")

        async def diptych_round(number: int) -> Run:
            return await closed_loop(diptych_query, size.queries, size.concurrency, progress.update)

        async def raw_round(number: int) -> Run:
            return await closed_loop(raw_query, size.queries, size.concurrency, progress.update)

        await _same_answers(graphql, http, raw_url, size.corpus)
        await closed_loop(diptych_query, size.warmup, size.concurrency, progress.update)
        await closed_loop(raw_query, size.warmup, size.concurrency, progress.update)
        ours, theirs = await interleaved(size.rounds, diptych_round, raw_round)
    return Outcome(
        scenario="read",
        diptych=_side(ours, f"products(search, first: {PAGE}) over HTTP (GraphQL)"),
        raw=_side(theirs, "GET /products: read.query.product_queries.products, JSON (Starlette)"),
        goal=GOAL,
        parameters={"products": size.corpus, "rounds": size.rounds,
                    "queries_per_round": size.queries, "concurrency": size.concurrency},
    )


async def _seed(graphql: GraphQLClient, size: Size, tick: Tick) -> None:
    """The corpus, through the real command path; returns once a search finds all of it."""
    specs = [spec.variables() for spec in catalog.products("R", size.corpus, tag=TAG)]

    async def add(number: int) -> None:
        await graphql.add_product(specs[number])

    await closed_loop(add, size.corpus, size.concurrency, tick)
    deadline = time.monotonic() + 60
    while (await graphql(PRODUCTS, search=TAG, first=1))["products"]["totalCount"] < size.corpus:
        if time.monotonic() > deadline:
            raise BenchError("the seeded products did not all become searchable within 60s")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def _raw_server(index_dir: Path, read_only: bool, log: Path) -> AsyncIterator[str]:
    port = free_port()
    args = ["--index-dir", str(index_dir), "--port", str(port)]
    if read_only:
        args.append("--read-only")
    server = spawn("the raw read server", "bench.raw_read_server", args, {}, log)
    url = f"http://127.0.0.1:{port}"
    try:
        await server.wait_healthy(f"{url}/health")
        yield url
    finally:
        await server.stop()


async def _same_answers(
    graphql: GraphQLClient, http: LoadHttp, raw_url: str, corpus: int
) -> None:
    """Both servers must answer from the whole corpus with the same page, or the ratio compares
    nothing."""
    ours = (await graphql(PRODUCTS, search=TAG, first=PAGE))["products"]
    _, theirs = await http.get_json(f"{raw_url}/products", {"search": TAG, "first": str(PAGE)})
    if ours["totalCount"] != corpus or ours != theirs:
        raise BenchError(f"GraphQL and the raw route disagree: {ours} != {theirs}")


def _side(runs: list[Run], label: str) -> Side:
    figure, rounds, samples = throughput(runs)
    return Side(label=label, unit="queries/s", figure=figure, rounds=rounds, latencies_ms=samples)


SCENARIO = Scenario(
    name="read",
    diptych="products(search: ...) queries/s over HTTP (GraphQL), N concurrent clients",
    raw="a bare Starlette JSON route calling the same index query, same uvicorn, same clients",
    goal=GOAL,
    run=run,
)
