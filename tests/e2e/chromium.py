"""A headless Chromium for the browser tests, and a tab of it driven over the DevTools protocol."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

TIMEOUT = 30.0
CHROMIUM = Path("/usr/bin/chromium")
# Shown to whoever runs the tests without a browser, and what CI must install.
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
# Chromium's connections to Google's hosts are refused on this machine's closed network.
QUIET = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


@contextlib.contextmanager
def devtools(chromium: Path, name: str, *flags: str) -> Iterator[str]:
    """Chromium with these flags on a fresh profile; yields its DevTools WebSocket URL."""
    profile = Path(tempfile.mkdtemp(prefix=f"{name}-chromium-"))
    log = profile / "chromium.log"  # read back into the error if Chromium will not start
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [str(chromium), *QUIET, f"--user-data-dir={profile}", *flags,
             "--remote-debugging-port=0",  # a free port, which Chromium writes to a file
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    try:
        active_port = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not (active_port.exists() and len(active_port.read_text().splitlines()) >= 2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"chromium did not open its DevTools port (exit {process.poll()}):\n"
                    + log.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.05)
        port, path = active_port.read_text().splitlines()[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


# Runs in the page before any of its scripts (DevTools-injected, so the page's CSP allows it):
# the browser reports a blocked script, style, font or connection here.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@dataclass
class Tab:
    """One browser tab, attached over the DevTools protocol; records what the page does."""

    socket: ClientConnection
    session: str
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    _pending: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        reply = asyncio.get_running_loop().create_future()
        self._pending[message_id] = reply
        await self.socket.send(json.dumps(
            {"id": message_id, "sessionId": self.session, "method": method, "params": params}
        ))
        return await asyncio.wait_for(reply, TIMEOUT)

    def receive(self, message: dict[str, Any]) -> None:
        if "id" in message:
            reply = self._pending.pop(message["id"], None)
            if reply is not None and not reply.done():
                if "error" in message:
                    reply.set_exception(RuntimeError(f"DevTools: {message['error']}"))
                else:
                    reply.set_result(message.get("result", {}))
            return
        params = message.get("params", {})
        match message.get("method"):
            case "Network.requestWillBeSent":
                self.requests.append(params["request"]["url"])
            case "Network.webSocketCreated":
                self.websockets.append(params["url"])
            case "Runtime.exceptionThrown":
                self.errors.append(json.dumps(params["exceptionDetails"])[:2000])
            case "Log.entryAdded" if params["entry"]["level"] == "error":
                self.errors.append(f"{params['entry']['text']} ({params['entry'].get('url')})")

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def click(self, selector: str) -> None:
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    async def wait_for(self, expression: str, what: str) -> Any:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        body = await self.evaluate("document.body.innerText.slice(0, 500)")
        raise AssertionError(f"{what} within {TIMEOUT}s; the page shows: {body!r}")

    async def run_in_editor(self, operation: str) -> None:
        """Type an operation into GraphiQL's query editor and press its run button."""
        editor = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
        await self.evaluate(f"{editor}.setValue({json.dumps(operation)})")
        # GraphiQL parses the editor 100 ms after a change, and the fetcher picks HTTP or the
        # WebSocket from that parse: run before it, and a subscription would go out over HTTP.
        await self.wait_for(
            f"{editor}.documentAST?.loc?.source.body === {json.dumps(operation)}",
            "GraphiQL did not parse the operation",
        )
        await self.click(".graphiql-execute-button")


@contextlib.asynccontextmanager
async def open_tab(browser: str) -> AsyncIterator[Tab]:
    async with connect(browser, max_size=None) as socket:
        await socket.send(json.dumps(
            {"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}}
        ))
        target = await _reply(socket, 1)
        await socket.send(json.dumps({
            "id": 2, "method": "Target.attachToTarget",
            "params": {"targetId": target["targetId"], "flatten": True},
        }))
        tab = Tab(socket, (await _reply(socket, 2))["sessionId"])

        async def pump() -> None:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("sessionId") == tab.session:
                    tab.receive(message)

        pumping = asyncio.create_task(pump())
        try:
            for domain in ("Network", "Runtime", "Log", "Page"):
                await tab.send(f"{domain}.enable")
            await tab.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD_CSP_VIOLATIONS)
            yield tab
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping


async def _reply(socket: ClientConnection, message_id: int) -> dict[str, Any]:
    """Before the pump runs: skip events until the reply to `message_id`."""
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
        if message.get("id") == message_id:
            result: dict[str, Any] = message["result"]
            return result
