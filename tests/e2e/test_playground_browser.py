"""The playground in a real browser: headless Chromium, driven over the DevTools protocol.

A tiny app serves the playground page, its assets and a two-field strawberry schema at /graphql
(HTTP and WebSocket) on a loopback port. Chromium resolves no host name but 127.0.0.1, so a page
that still reached for a CDN would fail to render here, and every request it makes is recorded.

Needs Debian's chromium (`apt-get install -y chromium`): skipped without it, failed in CI.
"""

from __future__ import annotations

import asyncio
import base64
import os
import threading
import time
from collections.abc import AsyncGenerator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from schema.http.playground import playground_page, playground_routes
from tests.conftest import IN_CI
from tests.e2e.chromium import CHROMIUM, INSTALL_HINT, TIMEOUT, Tab, devtools, open_tab
from tests.e2e.server import free_port

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Schemes that never leave the browser: the page's inline fonts and icons, its blank favicon.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


@strawberry.type
class Query:
    @strawberry.field
    def greeting(self) -> str:
        return "hello from the playground test"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def countdown(self, start: int = 3) -> AsyncGenerator[int, None]:
        for value in range(start, 0, -1):
            yield value
            await asyncio.sleep(0.05)


def playground_app() -> Starlette:
    """Wired as Diptych wires it: the page on GET /graphql, GraphQL on POST and WebSocket."""
    graphql = GraphQL[None, None](
        strawberry.Schema(query=Query, subscription=Subscription), graphql_ide=None
    )

    async def page(request: Request) -> Response:
        return playground_page()

    return Starlette(
        routes=[
            Route("/graphql", page, methods=["GET"]),
            Route("/graphql", graphql, methods=["POST"]),
            WebSocketRoute("/graphql", graphql),
            *playground_routes(),
        ]
    )


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is absent; install it with `{INSTALL_HINT}`"
        if IN_CI:
            pytest.fail(f"{message}: CI must run the browser test")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The app on a free loopback port, served by uvicorn in a thread of this process."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(playground_app(), host="127.0.0.1", port=port, log_level="warning",
                       lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="playground-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(TIMEOUT)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[str]:
    """A headless Chromium for this module; yields its DevTools WebSocket URL."""
    # As if offline: any host name but loopback fails to resolve.
    with devtools(chromium, "playground", "--window-size=1280,800",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1") as url:
        yield url


async def open_playground(tab: Tab, site: str) -> None:
    await tab.send("Page.navigate", url=f"{site}/graphql")
    # GraphiQL replaces the "Loading" placeholder with its container and CodeMirror editors.
    await tab.wait_for(
        "!!document.querySelector('.graphiql-container .graphiql-query-editor .CodeMirror')",
        "GraphiQL did not render",
    )


def off_machine(urls: list[str]) -> list[str]:
    return [
        url for url in urls
        if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname not in LOOPBACK
    ]


async def test_the_playground_renders_graphiql_with_nothing_from_another_host(
    browser: str, site: str, tmp_path: Path
) -> None:
    async with open_tab(browser) as tab:
        await open_playground(tab, site)
        # The schema arrived by introspection: the docs explorer lists the root types.
        await tab.click('[aria-label="Show Documentation Explorer"]')
        await tab.wait_for(
            "document.querySelector('.graphiql-doc-explorer')?.innerText.includes('Query')",
            "the docs explorer showed no schema",
        )
        await tab.click('[aria-label="Show GraphiQL Explorer"]')
        await tab.wait_for(
            "document.querySelector('.graphiql-explorer-root')?.innerText.includes('greeting')",
            "the explorer plugin listed no field",
        )
        # A dialog inserts a <style> element: what style-src 'unsafe-inline' is there for.
        await tab.click('[aria-label="Open settings dialog"]')
        await tab.wait_for("!!document.querySelector('[role=dialog]')", "no settings dialog")
        await tab.evaluate(
            "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))"
        )
        await tab.wait_for("!document.querySelector('[role=dialog]')", "the dialog stayed open")
        shot = await tab.send("Page.captureScreenshot", format="png")
        screenshot = Path(os.environ.get("PLAYGROUND_SCREENSHOT", tmp_path / "playground.png"))
        screenshot.write_bytes(base64.b64decode(shot["data"]))

        assert await tab.evaluate("document.body.innerText.includes('Loading')") is False
        assert await tab.evaluate("window.__cspViolations") == []
        assert tab.errors == []
        assert f"{site}/graphql" in tab.requests  # the recording works: it saw the page itself
        assert off_machine(tab.requests) == []


async def test_a_query_run_from_the_playground_is_answered_by_the_same_origin(
    browser: str, site: str
) -> None:
    async with open_tab(browser) as tab:
        await open_playground(tab, site)
        await tab.run_in_editor("{ greeting }")
        await tab.wait_for(
            "document.querySelector('.graphiql-response .CodeMirror')"
            ".CodeMirror.getValue().includes('hello from the playground test')",
            "the query got no answer",
        )
        assert off_machine(tab.requests) == []
        assert tab.errors == []


async def test_a_subscription_run_from_the_playground_streams_over_a_same_origin_websocket(
    browser: str, site: str
) -> None:
    async with open_tab(browser) as tab:
        await open_playground(tab, site)
        await tab.run_in_editor("subscription { countdown(start: 3) }")
        # GraphiQL shows the latest event; the countdown ends at 1.
        await tab.wait_for(
            "document.querySelector('.graphiql-response .CodeMirror')"
            ".CodeMirror.getValue().includes('\"countdown\": 1')",
            "the subscription streamed nothing",
        )
        assert tab.websockets == [site.replace("http://", "ws://") + "/graphql"]
        assert off_machine(tab.requests + tab.websockets) == []
        assert tab.errors == []
