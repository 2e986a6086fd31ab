"""The production shape on one machine: API, relay and projector as separate processes over
PostgreSQL, RabbitMQ and a tantivy index the API opens read-only."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import pytest

from tests.e2e import queries as q
from tests.e2e.server import Process, Server, spawn, start
from tests.e2e.subscriptions import CAUGHT_UP, CHANGED, request, session
from tests.postgres import create_database, drop_database
from workers.rabbitmq import rabbitmq_topology as topology
from workers.rabbitmq.rabbitmq_topology import Names

SHARDS = 3
pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]


@dataclass
class Deployment:
    data_dir: Path
    env: dict[str, str]

    def relay(self) -> Process:
        relay = spawn(["worker", "relay"], self.data_dir, self.env, "relay.log")
        relay.wait_for_output("this relay is now the active one")
        return relay

    def projector(self) -> Process:
        projector = spawn(["worker", "projector"], self.data_dir, self.env, "projector.log")
        projector.wait_for_output("consuming")
        return projector

    def api(self) -> Server:
        return start(self.data_dir, self.env, log_name="api.log")


async def _drop_broker_names(amqp_url: str, names: Names) -> None:
    async with await aio_pika.connect(amqp_url) as connection:
        await topology.delete(await connection.channel(), names, SHARDS)


@pytest.fixture
def deployment(postgres_url: str, amqp_url: str, tmp_path: Path) -> Iterator[Deployment]:
    url = asyncio.run(create_database(postgres_url, "processes"))
    names = Names(f"e2e-{uuid.uuid4().hex[:8]}")
    env = {
        "DIPTYCH_DATABASE_URL": url,
        "DIPTYCH_AMQP_URL": amqp_url,
        "DIPTYCH_AMQP_PREFIX": names.prefix,
        "DIPTYCH_SHARDS": str(SHARDS),
        "DIPTYCH_CONSISTENCY_TIMEOUT": "20",
    }
    migrate = spawn(["migrate"], tmp_path, env, "migrate.log")
    assert migrate.process.wait(60) == 0, migrate.output()
    try:
        yield Deployment(tmp_path, env)
    finally:
        asyncio.run(drop_database(url))
        asyncio.run(_drop_broker_names(amqp_url, names))


def test_a_mutation_reaches_a_query_through_relay_broker_and_projector_processes(
    deployment: Deployment,
) -> None:
    processes: list[Process] = [deployment.projector(), deployment.relay()]
    api = deployment.api()
    processes.append(api)
    try:
        registered = api.graphql(q.REGISTER, name="Distributed Dora", email="dora@example.com")
        user = registered["data"]["registerUser"]
        seen = api.graphql(q.USER, id=user["id"], token=user["consistencyToken"])
        assert seen["data"]["user"]["name"] == "Distributed Dora", seen
        product = api.graphql(q.ADD_PRODUCT, sku="DD-1", name="Drum", description="",
                              category="music", price="40.00", stock=3)["data"]["addProduct"]
        placed = api.graphql(q.PLACE_ORDER, userId=user["id"], lines=[
            {"productId": product["id"], "quantity": 2}])["data"]["placeOrder"]
        assert placed["__typename"] == "OrderPlaced", placed
        order = api.graphql(q.ORDER, id=placed["id"], token=placed["consistencyToken"])
        assert order["data"]["order"]["customer"]["user"] == {
            "orderCount": 1, "totalSpent": "80.00"}, order
    finally:
        codes = [p.stop() for p in reversed(processes)]
    assert codes == [0, 0, 0], [p.output()[-2000:] for p in processes]


def test_a_projector_killed_mid_stream_loses_and_duplicates_nothing(
    deployment: Deployment,
) -> None:
    projector, relay = deployment.projector(), deployment.relay()
    api = deployment.api()
    try:
        products = [
            api.graphql(q.ADD_PRODUCT, sku=f"SKU-{n}", name=f"Product {n}", description="",
                        category="misc", price="1.00", stock=0)["data"]["addProduct"]
            for n in range(5)
        ]
        latest: dict[str, str] = {}
        for round_ in range(40):
            if round_ == 15:
                projector.kill()  # SIGKILL, in the middle of the stream
            if round_ == 25:
                projector = deployment.projector()
            for product in products:
                restocked = api.graphql(q.RESTOCK, id=product["id"], quantity=1)
                latest[product["id"]] = restocked["data"]["restockProduct"]["consistencyToken"]

        for product in products:
            seen = api.graphql(q.PRODUCT, id=product["id"], token=latest[product["id"]])
            assert seen["data"]["product"]["version"] == 41, seen
            assert seen["data"]["product"]["stock"] == 40, seen
        listed = api.graphql(q.PRODUCTS, first=10, sort="PRICE_ASC")["data"]["products"]
        assert listed["totalCount"] == 5
    finally:
        for process in (api, relay, projector):
            process.stop()


def test_every_replica_pushes_freshness_for_writes_made_through_another(
    deployment: Deployment,
) -> None:
    processes: list[Process] = [deployment.projector(), deployment.relay()]
    writer, reader = deployment.api(), deployment.api()
    processes += [writer, reader]
    try:
        user = writer.graphql(q.REGISTER, name="Replica Rhea", email="rhea@example.com")[
            "data"]["registerUser"]
        asyncio.run(_hear_about_it_on(reader, writer, user))
    finally:
        for process in reversed(processes):
            process.stop()


async def _hear_about_it_on(reader: Server, writer: Server, user: dict[str, str]) -> None:
    async with session(reader.url, token=reader.token) as client:
        caught = client.subscribe(request(CAUGHT_UP, token=user["consistencyToken"]))
        async with aclosing(caught) as stream:
            assert (await asyncio.wait_for(anext(stream), 20))["readModelCaughtUp"]["version"] == 1
        changes = client.subscribe(request(CHANGED, type="USER", ids=[user["id"]]))
        async with aclosing(changes) as stream:
            first = await asyncio.wait_for(anext(stream), 20)
            await asyncio.to_thread(writer.graphql, q.RENAME, id=user["id"], name="Rhea Two")
            second = await asyncio.wait_for(anext(stream), 20)
    assert first["documentChanged"]["version"] == 1
    assert second["documentChanged"]["document"]["name"] == "Rhea Two"
