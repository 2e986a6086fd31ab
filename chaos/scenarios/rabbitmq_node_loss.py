"""`rabbitmq-node-loss`: one RabbitMQ node of three is SIGKILLed mid-stream; nothing is lost.

A scratch three-node cluster (chaos/rabbitmq_cluster.py) behind the production load balancer
(chaos/amqp_load_balancer.py, every client on the first node), a scratch PostgreSQL database,
and Diptych as in production: `diptych serve`, `diptych worker relay` and `diptych worker
projector` as separate processes on the tantivy index. Clients write over GraphQL; a third of the
way through, the node that holds every client connection and leads the shard queues is killed
with SIGKILL, and the writing goes on. Then the index is audited against the write store until it
matches (chaos/index_audit.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from bench.backends import Backends
from bench.graphql import GraphQLClient
from bench.load_http import http_client
from bench.service import running
from chaos import amqp_load_balancer, rabbitmq_cluster, write_stream
from chaos.chaos_scenario import ChaosError, Context, NotRun, Outcome, Scenario
from chaos.index_audit import converge
from read.tantivy.tantivy_index import TantivyIndex
from write.sqlalchemy.database import create_engine

SHARDS = 4
USERS, PRODUCTS = 20, 150
WRITES, CONCURRENCY = 1200, 8  # orders and restocks after the seed
KILL_AFTER = WRITES // 3
CONVERGE_TIMEOUT = 30.0


async def run(context: Context) -> Outcome:
    if context.postgres_url is None:
        raise NotRun("needs a PostgreSQL server for its scratch database: set "
                     "DIPTYCH_CHAOS_POSTGRES_URL (postgresql+asyncpg://user@host:port/db)")
    notes: list[str] = []
    async with contextlib.AsyncExitStack() as stack:
        cluster = stack.enter_context(rabbitmq_cluster.running(context.workdir / "rabbitmq"))
        balancer = stack.enter_context(amqp_load_balancer.running(
            context.workdir / "haproxy", [node.port for node in cluster.nodes]))
        database = await stack.enter_async_context(
            Backends(postgres=context.postgres_url).database(context.workdir, "chaos"))
        service = await stack.enter_async_context(running(context.workdir / "service", {
            "DIPTYCH_DATABASE_URL": database,
            "DIPTYCH_AMQP_URL": balancer.amqp_url(),
            "DIPTYCH_SHARDS": str(SHARDS),
        }))
        first = cluster.nodes[0]
        queues = await asyncio.to_thread(cluster.cli.quorum_members, first.name)
        everywhere = sorted(node.name for node in cluster.nodes)
        short = [name for name, (members, _) in queues.items() if members != everywhere]
        if len(queues) < SHARDS or short:
            raise ChaosError(f"quorum queues not on all {len(everywhere)} nodes: {queues}")
        graphql = GraphQLClient(await stack.enter_async_context(http_client(CONCURRENCY)),
                                service)
        tally = write_stream.Tally()
        catalogue = await write_stream.seed(graphql, USERS, PRODUCTS, tally)

        reached = asyncio.Event()
        stream = asyncio.create_task(write_stream.orders(
            graphql, catalogue, WRITES, CONCURRENCY, tally,
            lambda answered: reached.set() if answered >= KILL_AFTER else None))
        stack.callback(stream.cancel)  # a failure below must not leave it writing
        await asyncio.wait([stream, asyncio.create_task(reached.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        if stream.done():
            stream.result()  # the stream failed before the kill: raise why
        connections = await asyncio.to_thread(cluster.cli.connections_by_node, first.name)
        victim = cluster.node(max(connections, key=lambda name: connections[name]))
        leaders = sum(leader == victim.name for _, leader in queues.values())
        cluster.kill(victim)
        killed = time.monotonic()
        notes.append(
            f"SIGKILLed {victim.name} after {KILL_AFTER} of {WRITES} writes: it held "
            f"{connections[victim.name]} of {sum(connections.values())} client connections "
            f"and led {leaders} of {len(queues)} quorum queues, each replicated on all "
            f"{len(everywhere)} nodes")
        await stream
        written = time.monotonic()

        engine = create_engine(database)
        stack.push_async_callback(engine.dispose)
        index = TantivyIndex(service.index_dir, read_only=True)
        await index.open()
        stack.push_async_callback(index.close)
        found, converge_s = await converge(engine, index, written, CONVERGE_TIMEOUT)
        survivors = await asyncio.to_thread(
            cluster.cli.quorum_members, cluster.alive()[0].name)
        refusals = "".join(f", {count} {name}" for name, count in tally.refusals.items())
        notes.append(
            f"writes over HTTP: {tally.accepted} accepted, {tally.refused} refused{refusals}; "
            "after the loss the quorum queues were led by "
            f"{', '.join(sorted({leader for _, leader in survivors.values()}))}")
        notes.append(f"the node was killed {written - killed:.1f} s before the last write")
    return Outcome("rabbitmq-node-loss", found.events, found.lost, found.duplicated,
                   found.stale, converge_s, tuple(notes))


SCENARIO = Scenario(
    name="rabbitmq-node-loss",
    breaks="SIGKILL of the RabbitMQ node all clients are on, 1 of 3, mid-stream",
    deadline_s=115.0,
    run=run,
)
