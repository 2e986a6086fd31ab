"""Bearer tokens over real HTTP and WebSocket against `diptych serve`, signed by `diptych token`
with the secret the server made in its data directory."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator

import httpx
import pytest
import websockets

from tests.e2e.server import Server, start
from tests.e2e.subscriptions import LEGACY_WS, TRANSPORT_WS


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("auth"), env={"DIPTYCH_JWT_LEEWAY": "0"})
    yield running
    assert running.stop() == 0, running.output()


def ask(server: Server, authorization: str | None) -> httpx.Response:
    headers = {"authorization": authorization} if authorization else {}
    return httpx.post(f"{server.url}/graphql", json={"query": "{ __typename }"},
                      headers=headers, timeout=30)


def test_a_token_from_diptych_token_is_accepted_over_http(served: Server) -> None:
    server = served
    response = ask(server, f"Bearer {server.mint('--role', 'admin')}")
    assert response.status_code == 200 and response.json()["data"] == {"__typename": "Query"}
    assert ask(server, None).status_code == 200  # no token: the anonymous caller


@pytest.mark.parametrize("authorization", ["Bearer not.a.token", "Basic YTpi", "Bearer"])
def test_a_token_that_does_not_verify_is_a_401_that_says_why(
    served: Server, authorization: str
) -> None:
    response = ask(served, authorization)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_expired_or_tampered_token_is_refused(served: Server) -> None:
    expired = served.mint("--role", "admin", "--expires", "1s")
    time.sleep(2.1)  # the server allows no leeway here (DIPTYCH_JWT_LEEWAY=0)
    assert ask(served, f"Bearer {expired}").status_code == 401
    header, payload, signature = served.mint("--role", "customer", "--user", "u-1").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "role": "admin"}).encode())
    tampered = f"{header}.{forged.decode().rstrip('=')}.{signature}"
    response = ask(served, f"Bearer {tampered}")
    assert response.status_code == 401 and "Signature" in response.json()["errors"][0]["message"]


async def test_a_websocket_with_a_bad_token_in_connection_init_is_closed_4403(
    served: Server,
) -> None:
    url = served.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": "Bearer forged"}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    async with websockets.connect(url, subprotocols=[LEGACY_WS]) as legacy:  # type: ignore[list-item]
        await legacy.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": "Bearer forged"}}))
        assert json.loads(await asyncio.wait_for(legacy.recv(), 20))["type"] == "connection_error"


async def test_a_websocket_closes_4403_when_its_token_expires_and_its_subscription_ends(
    served: Server,
) -> None:
    server = served
    short = server.mint("--role", "admin", "--expires", "2s")
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {short}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { projectionStatus(every: 0.2) { headPosition } }"}}))
        reports = 0
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 20))
                reports += message["type"] == "next"
    assert reports >= 1
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
