"""Pages on other origins, in a real browser: headless Chromium against the real `diptych serve`.

The API runs at http://127.0.0.1:<api port> with DIPTYCH_ALLOWED_ORIGINS naming one origin,
http://localhost:<allowed port>. Two tiny static servers serve the same page: one on that origin,
one on http://localhost:<another port>, which is not listed. The page mutates and queries with
plain `fetch` (`Content-Type: application/json`, so the browser sends a CORS preflight first) and
subscribes over a graphql-transport-ws WebSocket; it writes what happened into `window.results`,
read back over the DevTools protocol. It signs up anonymously, then reads back and subscribes
signed in with the `auth` token of its query string (an admin's from `diptych token`): as an
`Authorization` header, which the preflight must allow, and in `connection_init`.

Needs Debian's chromium (`apt-get install -y chromium`): skipped without it, failed in CI.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import IN_CI
from tests.e2e import queries as q
from tests.e2e.chromium import CHROMIUM, INSTALL_HINT, TIMEOUT, Tab, devtools, open_tab
from tests.e2e.server import Server, start

# uvicorn's access log lines, in the server's output.
PREFLIGHT_ANSWERED = '"OPTIONS /graphql HTTP/1.1" 200'
PREFLIGHT_REFUSED = '"OPTIONS /graphql HTTP/1.1" 400'
POSTED = '"POST /graphql HTTP/1.1"'
ACCEPTED_WEBSOCKET = '"WebSocket /graphql" [accepted]'
REFUSED_WEBSOCKET = '"WebSocket /graphql" 403'

# The page's own bound on each network step, well inside the test's wait for the whole page.
STEP_TIMEOUT_MS = 8000

# The client page a browser loads from another origin (a real page, with its own fetch and
# WebSocket calls); STEP_TIMEOUT_MS is filled in.
PAGE = (Path(__file__).with_name("cross_origin_page.html").read_text()
        .replace("STEP_TIMEOUT_MS", str(STEP_TIMEOUT_MS)))


class PageHandler(BaseHTTPRequestHandler):
    """Serves the page at / (any query string) and nothing else."""

    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/":
            self.send_error(404)
            return
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows the assertion, not the access log


@dataclass
class StaticSite:
    origin: str  # http://localhost:<port>, as the browser names the page's origin
    server: ThreadingHTTPServer
    thread: threading.Thread

    def page(self, api: str, **params: str) -> str:
        return f"{self.origin}/?{urlencode({'api': api, **params})}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(TIMEOUT)


def serve_page() -> StaticSite:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    server.daemon_threads = True
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name=f"page-{port}", daemon=True)
    thread.start()
    return StaticSite(f"http://localhost:{port}", server, thread)


@dataclass
class Sites:
    api: Server
    allowed: StaticSite
    blocked: StaticSite


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    allowed, blocked = serve_page(), serve_page()
    try:
        api = start(
            tmp_path_factory.mktemp("diptych"),
            env={"DIPTYCH_ALLOWED_ORIGINS": allowed.origin, "DIPTYCH_CONSISTENCY_TIMEOUT": "3"},
        )
        try:
            yield Sites(api, allowed, blocked)
        finally:
            assert api.stop() == 0, api.output()
    finally:
        allowed.stop()
        blocked.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[str]:
    """A headless Chromium for this module; yields its DevTools WebSocket URL."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is absent; install it with `{INSTALL_HINT}`"
        if IN_CI:
            pytest.fail(f"{message}: CI must run the browser test")
        pytest.skip(message)
    # Only the loopback names resolve: the pages are on localhost, the API on 127.0.0.1.
    with devtools(CHROMIUM, "cross-origin",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
                  ) as url:
        yield url


async def run_page(tab: Tab, url: str) -> dict[str, Any]:
    """Open the page and wait (bounded) until its script has tried every step."""
    await tab.send("Page.navigate", url=url)
    await tab.wait_for("window.results?.done === true", "the page did not finish")
    results: dict[str, Any] = await tab.evaluate("window.results")
    return results


async def server_log(api: Server, offset: int, last_line: str) -> str:
    """The server's output since `offset`, once it shows `last_line` (or after a bounded wait):
    uvicorn logs a response as it sends it, so the page may have seen it a moment earlier."""
    deadline = time.monotonic() + 5
    while last_line not in (log := api.output()[offset:]) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return log


def register_directly(api: Server, name: str, email: str) -> dict[str, Any]:
    """Over httpx, which sends no Origin: not a browser, so CORS does not apply."""
    outcome: dict[str, Any] = api.graphql(q.REGISTER, name=name, email=email)["data"][
        "registerUser"
    ]
    return outcome


async def test_a_page_on_an_allowed_origin_can_query_mutate_and_subscribe(
    browser: str, sites: Sites
) -> None:
    api = sites.api.url
    log_before = len(sites.api.output())
    async with open_tab(browser) as tab:
        results = await run_page(tab, sites.allowed.page(
            api, name="Cross Origin", email="x@example.com", auth=sites.api.token,
        ))
    log = await server_log(sites.api, log_before, ACCEPTED_WEBSOCKET)

    assert results["origin"] == sites.allowed.origin
    assert results["mutation"].get("status") == 200, results
    registered = results["mutation"]["body"]["data"]["registerUser"]
    assert registered["__typename"] == "UserRegistered", results
    assert results["query"].get("status") == 200, results
    assert results["query"]["body"]["data"] == {"user": {"name": "Cross Origin"}}, results
    subscription = results["subscription"]
    assert subscription["events"][0] == "open", results
    assert subscription["protocol"] == "graphql-transport-ws"
    assert [m["type"] for m in subscription["messages"]] == ["connection_ack", "next", "complete"]
    assert subscription["messages"][1]["payload"]["data"] == {
        "readModelCaughtUp": {"id": registered["id"], "version": 1}
    }
    assert subscription["close"] == {"code": 1000, "wasClean": True}
    assert tab.websockets == [api.replace("http://", "ws://") + "/graphql"]
    assert tab.errors == []
    # The browser asked first (the preflight), then sent the mutation and the query.
    assert log.index(PREFLIGHT_ANSWERED) < log.index(POSTED), log
    assert log.count(f"{POSTED} 200") == 2, log


async def test_a_page_on_an_origin_not_listed_can_neither_call_the_api_nor_open_its_websocket(
    browser: str, sites: Sites
) -> None:
    api = sites.api
    # A real token, and the operator's to wait on it, so that an accepted handshake would be
    # seen streaming `next`.
    witness = register_directly(api, "Witness", "witness@example.com")
    assert witness["__typename"] == "UserRegistered", witness
    log_before = len(api.output())
    async with open_tab(browser) as tab:
        results = await run_page(tab, sites.blocked.page(
            api.url, name="Blocked Page", email="cors-refused@example.com",
            token=witness["consistencyToken"], auth=api.token,
        ))
    log = await server_log(api, log_before, REFUSED_WEBSOCKET)

    assert results["origin"] == sites.blocked.origin
    # The preflight is refused, so the browser never sends the POST: fetch rejects.
    assert results["mutation"] == {"error": "TypeError: Failed to fetch"}, results
    assert "query" not in results  # nothing to read back
    assert PREFLIGHT_REFUSED in log, log
    assert POSTED not in log, log
    assert any(
        f"from origin '{sites.blocked.origin}' has been blocked by CORS policy" in error
        for error in tab.errors
    ), tab.errors
    # The handshake is refused: the socket never opens, errors and closes abnormally.
    subscription = results["subscription"]
    assert subscription["events"] == ["error", "close"], results
    assert subscription["messages"] == []
    assert subscription["close"] == {"code": 1006, "wasClean": False}
    assert any("Unexpected response code: 403" in error for error in tab.errors), tab.errors
    assert f"Rejected WebSocket connection from origin '{sites.blocked.origin}'" in log, log
    assert ACCEPTED_WEBSOCKET not in log, log
    # Nothing was written: the email is still free, and no user of that name is in the index.
    direct = register_directly(api, "Direct Check", "cors-refused@example.com")
    assert direct["__typename"] == "UserRegistered", direct
    found = api.graphql(q.USERS, search="Blocked", token=direct["consistencyToken"])
    assert found["data"]["users"]["totalCount"] == 0, found
