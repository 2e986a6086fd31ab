"""The HTTP client every scenario's load goes through, on both sides of a comparison alike.

aiohttp, not httpx: on this 2-core machine httpx's client took about 1 ms of CPU per request
(about 1,000 requests/s at most against a server returning fixed bytes, one core busy), aiohttp's
about 0.15 ms (about 5,500/s). The load client shares the cores with the servers it measures, so
a heavy client was the ceiling of the fastest answers and took a core's share from both sides.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=60)
# uvicorn and Node.js close a connection idle for 5 s; aiohttp would reuse one idle for up to 15 s
# and then fail writing to it ("Can not write request body"). Idle longer than this, the client
# lets go of it first and opens another.
IDLE_S = 2.0


class LoadHttp:
    """A keep-alive connection per concurrent caller; bodies read whole and decoded as JSON."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def post_json(self, url: str, body: object,
                        headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
        """The status and the decoded JSON body of a POST of `body` as JSON."""
        async with self._session.post(url, json=body, headers=headers) as response:
            return response.status, json.loads(await response.read())

    async def get_json(self, url: str, params: Mapping[str, str] | None = None) -> tuple[int, Any]:
        async with self._session.get(url, params=params) as response:
            return response.status, json.loads(await response.read())

    async def get_text(self, url: str) -> str:
        async with self._session.get(url) as response:
            response.raise_for_status()
            return await response.text()


@contextlib.asynccontextmanager
async def http_client(concurrency: int) -> AsyncIterator[LoadHttp]:
    """One client, keeping a connection open per concurrent caller (and no more)."""
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency,
                                     keepalive_timeout=IDLE_S)
    async with aiohttp.ClientSession(connector=connector, timeout=TIMEOUT) as session:
        yield LoadHttp(session)
