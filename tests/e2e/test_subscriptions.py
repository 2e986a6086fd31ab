"""Freshness pushed to clients: subscriptions over real WebSockets against `diptych serve`."""

from __future__ import annotations

import asyncio
import re
from contextlib import aclosing
from typing import Any

import httpx
import pytest

from tests.e2e import queries as q
from tests.e2e.server import Server
from tests.e2e.subscriptions import (
    CAUGHT_UP,
    CHANGED,
    LEGACY_WS,
    STATUS,
    TRANSPORT_WS,
    request,
    session,
)


def register(server: Server, name: str, email: str) -> dict[str, Any]:
    result: dict[str, Any] = server.graphql(q.REGISTER, name=name, email=email)["data"][
        "registerUser"
    ]
    assert result["__typename"] == "UserRegistered", result
    return result


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_subscriber_is_told_when_its_write_became_visible(
    server: Server, protocol: str
) -> None:
    user = register(server, "Waiting Wanda", f"wanda-{protocol}@example.com")
    async with session(server.url, protocol, token=server.token) as client:
        token = user["consistencyToken"]
        events = [e async for e in client.subscribe(request(CAUGHT_UP, token=token))]
    assert events == [{"readModelCaughtUp": {
        "id": user["id"], "version": 1, "waitedMs": events[0]["readModelCaughtUp"]["waitedMs"]}}]


async def test_subscribing_before_the_write_emits_once_it_is_projected(server: Server) -> None:
    user = register(server, "Early Eve", "eve@example.com")
    renamed = server.graphql(q.RENAME, id=user["id"], name="Eve Again")["data"]["renameUser"]
    async with session(server.url, token=server.token) as client:
        subscription = client.subscribe(request(CAUGHT_UP, token=renamed["consistencyToken"]))
        async with aclosing(subscription) as stream:
            caught = await asyncio.wait_for(anext(stream), 10)
    assert caught["readModelCaughtUp"]["version"] == 2


async def test_document_changes_stream_the_current_state_then_every_new_version(
    server: Server,
) -> None:
    user = register(server, "Streaming Sam", "sam@example.com")
    server.graphql(q.USER, id=user["id"], token=user["consistencyToken"])
    seen: list[dict[str, Any]] = []
    async with session(server.url, token=server.token) as client:
        subscription = client.subscribe(request(CHANGED, type="USER", ids=[user["id"]]))
        async with aclosing(subscription) as stream:
            seen.append(await asyncio.wait_for(anext(stream), 10))  # the current state first
            await asyncio.to_thread(server.graphql, q.RENAME, id=user["id"], name="Samuel")
            await asyncio.to_thread(server.graphql, q.CHANGE_EMAIL, id=user["id"],
                                    email="samuel@example.com")
            seen.append(await asyncio.wait_for(anext(stream), 10))
            seen.append(await asyncio.wait_for(anext(stream), 10))
    changes = [s["documentChanged"] for s in seen]
    assert [(c["version"], c["document"]["name"], c["document"]["email"]) for c in changes] == [
        (1, "Streaming Sam", "sam@example.com"),
        (2, "Samuel", "sam@example.com"),
        (3, "Samuel", "samuel@example.com"),
    ]
    assert {(c["type"], c["id"], c["deleted"]) for c in changes} == {("USER", user["id"], False)}


async def test_a_malformed_token_is_a_typed_error_on_the_subscription(server: Server) -> None:
    async with session(server.url, token=server.token) as client:
        with pytest.raises(Exception) as raised:
            async for _ in client.subscribe(request(CAUGHT_UP, token="garbage")):
                pass
    assert "not a token" in str(raised.value)


async def test_projection_status_reports_no_lag_once_the_index_caught_up(server: Server) -> None:
    user = register(server, "Status Stan", "stan@example.com")
    server.graphql(q.USER, id=user["id"], token=user["consistencyToken"])
    async with session(server.url, token=server.token) as client, aclosing(
        client.subscribe(request(STATUS))
    ) as stream:
        first = (await asyncio.wait_for(anext(stream), 10))["projectionStatus"]
        second = (await asyncio.wait_for(anext(stream), 10))["projectionStatus"]
    for status in (first, second):
        assert status["lagEvents"] == 0 and not status["stalled"]
        assert status["projectorPosition"] == status["headPosition"] > 0


def test_metrics_expose_lag_positions_and_subscribers_to_prometheus(server: Server) -> None:
    text = httpx.get(f"{server.url}/metrics").text
    for name in ("diptych_projection_lag_events", "diptych_projection_lag_seconds",
                 "diptych_log_position", "diptych_subscribers", "diptych_projection_stalled"):
        assert re.search(rf"^{name}", text, re.MULTILINE), name


async def test_a_thousand_clients_that_come_and_go_leave_no_subscription_behind(
    server: Server,
) -> None:
    user = register(server, "Churn Chloe", "chloe@example.com")

    async def come_and_go() -> None:
        async with session(server.url, token=server.token) as client:
            subscription = client.subscribe(request(CHANGED, type="USER", ids=[user["id"]]))
            async with aclosing(subscription) as stream:
                await asyncio.wait_for(anext(stream), 10)

    for _ in range(20):
        await asyncio.gather(*(come_and_go() for _client in range(50)))
    for _ in range(50):  # the server notices closed sockets asynchronously
        metrics = httpx.get(f"{server.url}/metrics").text
        if re.search(r"^diptych_subscribers 0\.0$", metrics, re.MULTILINE):
            break
        await asyncio.sleep(0.1)
    assert re.search(r"^diptych_subscribers 0\.0$", metrics, re.MULTILINE), metrics
