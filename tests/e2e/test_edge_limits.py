"""Abuse at the edge, over real HTTP and WebSocket against `diptych serve`: each refusal is typed,
and the server answers `{ __typename }` at once afterwards."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from gql.transport.exceptions import TransportQueryError

from read.freshness.consistency import ConsistencyToken
from tests.e2e import queries as q
from tests.e2e.server import Server, bearer, start
from tests.e2e.subscriptions import CAUGHT_UP, LEGACY_WS, TRANSPORT_WS, request, session

ORIGIN = "http://shop.example:3000"


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("edge"), env={
        "DIPTYCH_CONSISTENCY_TIMEOUT": "1", "DIPTYCH_CAUGHT_UP_TIMEOUT": "1",
        "DIPTYCH_WS_INIT_TIMEOUT": "1", "DIPTYCH_MAX_WAITS": "2",
        "DIPTYCH_ALLOWED_ORIGINS": ORIGIN, "DIPTYCH_MAX_SUBSCRIPTIONS": "3",
    })
    yield running
    assert running.stop() == 0, running.output()


def post(server: Server, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=30)


def still_answers(server: Server) -> None:
    response = httpx.post(f"{server.url}/graphql", json={"query": "{ __typename }"}, timeout=2)
    assert response.json()["data"] == {"__typename": "Query"}


def fan_out(levels: int, leaf: str) -> str:
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    )
    return f"query {{ ...F0 }}\n{fragments}fragment F{levels} on Query {{ {leaf} }}"


def test_a_fan_out_of_fragments_is_refused_and_the_server_answers_at_once(edge: Server) -> None:
    body = post(edge, {"query": fan_out(40, "products(first: 100) { totalCount }")}).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    still_answers(edge)


def test_an_alias_bomb_and_a_token_bomb_are_refused(edge: Server) -> None:
    aliases = "{ " + " ".join(f"a{i}: products(first: 100) {{ totalCount }}" for i in range(10_000))
    bomb = post(edge, {"query": aliases + " }"}).json()
    assert [e["extensions"]["code"] for e in bomb["errors"]] == ["TOO_MANY_TOKENS"]
    unclosed = post(edge, {"query": "{ " + "a " * 200_000}).json()
    assert [e["extensions"]["code"] for e in unclosed["errors"]] == ["TOO_MANY_TOKENS"]
    still_answers(edge)


def test_a_50_mb_body_is_refused_with_413(edge: Server) -> None:
    huge = b'{"query": "{ __typename }", "pad": "' + b"x" * 50_000_000 + b'"}'
    try:
        response = httpx.post(f"{edge.url}/graphql", content=huge, timeout=30,
                              headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    except httpx.WriteError:
        pass  # refused and closed before the client finished sending: refused all the same
    still_answers(edge)


def test_a_long_forged_cursor_is_refused_before_the_index_is_asked(edge: Server) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(["NAME", ["a" * 100_000, "x"]]).encode())
    body = post(edge, {"query": q.PRODUCTS, "variables": {
        "first": 5, "sort": "NAME", "after": cursor.decode()}}).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    still_answers(edge)


def test_a_client_mistake_is_logged_in_one_line_without_a_traceback(edge: Server) -> None:
    post(edge, {"query": "{ products(first: 1000) { totalCount } }"})
    post(edge, {"query": "query($n: Int!) { products(first: $n) { totalCount } }",
                "variables": {"n": 2147483648}})
    log = edge.output()
    assert "refused: BAD_USER_INPUT" in log
    assert "Traceback" not in log


def test_a_page_on_an_allowed_origin_can_query_and_mutate_across_origins(edge: Server) -> None:
    preflight = httpx.options(f"{edge.url}/graphql", headers={
        "origin": ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    })
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    registered = post(edge, {"query": q.REGISTER, "variables": {
        "name": "Cross Origin", "email": "cors@example.com"}}, origin=ORIGIN)
    assert registered.headers["access-control-allow-origin"] == ORIGIN
    assert registered.json()["data"]["registerUser"]["__typename"] == "UserRegistered"


async def test_a_page_on_an_allowed_origin_can_subscribe(edge: Server) -> None:
    url = edge.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS],  # type: ignore[list-item]
                                  origin=ORIGIN) as socket:  # type: ignore[arg-type]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
    with pytest.raises(websockets.InvalidStatus):
        async with websockets.connect(url, subprotocols=[TRANSPORT_WS],  # type: ignore[list-item]
                                      origin="http://evil.example"):  # type: ignore[arg-type]
            pass


async def test_a_forged_future_token_ends_in_stale_read_after_the_caught_up_wait(
    edge: Server,
) -> None:
    ahead = ConsistencyToken("user", "00000000-0000-4000-8000-000000000001", 10**9, 10**12)
    # Waiting on a user's token takes that user or an admin: the operator's token.
    async with session(edge.url, token=edge.token) as client:
        with pytest.raises(TransportQueryError) as refused:
            await asyncio.wait_for(
                client.execute(request(CAUGHT_UP, token=ahead.encode())), timeout=20
            )
    assert refused.value.errors and refused.value.errors[0]["extensions"]["code"] == "STALE_READ"


async def test_a_connection_may_hold_only_so_many_token_waits(edge: Server) -> None:
    ahead = ConsistencyToken("user", "00000000-0000-4000-8000-000000000002", 10**9, 10**12)
    async with session(edge.url, token=edge.token) as client:
        waits = [client.execute(request(CAUGHT_UP, token=ahead.encode())) for _ in range(3)]
        outcomes = await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), 20)
    codes = sorted(
        o.errors[0]["extensions"]["code"] for o in outcomes
        if isinstance(o, TransportQueryError) and o.errors
    )
    assert codes == ["STALE_READ", "STALE_READ", "TOO_MANY_WAITS"]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_websocket_that_never_says_connection_init_is_closed(
    edge: Server, protocol: str
) -> None:
    url = edge.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_a_connection_may_hold_only_so_many_subscriptions(edge: Server) -> None:
    url = edge.url.replace("http://", "ws://") + "/graphql"
    status = "subscription { projectionStatus(every: 60) { headPosition } }"
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        # projectionStatus is the operator's: signed in, so only the limit refuses.
        await socket.send(json.dumps({"type": "connection_init", "payload": bearer(edge.token)}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        for number in range(4):
            await socket.send(json.dumps({"id": str(number), "type": "subscribe",
                                          "payload": {"query": status}}))
        replies = [json.loads(await asyncio.wait_for(socket.recv(), 20)) for _ in range(4)]
    refused = [r for r in replies if r["type"] == "error"]
    assert [(r["id"], r["payload"][0]["message"]) for r in refused] == [
        ("3", "Subscription limit reached")]


async def test_a_query_over_legacy_graphql_ws_is_a_coded_refusal_not_a_bug(edge: Server) -> None:
    url = edge.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[LEGACY_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "start",
                                      "payload": {"query": "{ __typename }"}}))
        reply = json.loads(await asyncio.wait_for(socket.recv(), 20))
        while reply["type"] == "ka":
            reply = json.loads(await asyncio.wait_for(socket.recv(), 20))
    assert reply["type"] == "error"
    assert reply["payload"] == {"message": "queries are not allowed",
                                "extensions": {"code": "BAD_REQUEST"}}
    assert "Traceback" not in edge.output()
