"""Read-your-writes: consistency tokens and the bounded, event-driven wait for them.

A token names one write: the document kind and id it changed, the aggregate version it produced and
the log position of its last event. The read side reflects the write once the document is at that
version or newer (a tombstone counts: a delete is a visible change too).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass

from read.errors import InvalidQuery, StaleRead
from read.index import SearchIndex

TOKEN_PREFIX = "v1."


@dataclass(frozen=True)
class ConsistencyToken:
    kind: str
    id: str
    version: int
    position: int

    def encode(self) -> str:
        raw = json.dumps([self.kind, self.id, self.version, self.position], separators=(",", ":"))
        return TOKEN_PREFIX + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> ConsistencyToken:
        try:
            if not token.startswith(TOKEN_PREFIX):
                raise ValueError("unknown token version")
            body = token.removeprefix(TOKEN_PREFIX)
            kind, id_, version, position = json.loads(
                base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            )
            return cls(str(kind), str(id_), int(version), int(position))
        except (ValueError, TypeError) as error:
            raise InvalidQuery(
                "consistency: not a token returned by a mutation", field="consistency"
            ) from error


class VisibilityFeed:
    """Announces "the index changed" to everyone waiting, without polling.

    The projector calls `announce()` after each batch it made visible. A waiter takes
    `next_change()` *before* checking the index, so a change landing between its check and its
    wait still wakes it.
    """

    def __init__(self) -> None:
        self._next = asyncio.Event()

    def next_change(self) -> asyncio.Event:
        return self._next

    def announce(self) -> None:
        current, self._next = self._next, asyncio.Event()
        current.set()


async def is_visible(index: SearchIndex, token: ConsistencyToken) -> bool:
    document = await index.visible(token.kind, token.id)
    return document is not None and int(document.body.get("version", 0)) >= token.version


async def wait_until_visible(
    index: SearchIndex,
    feed: VisibilityFeed,
    token: ConsistencyToken,
    timeout: float,
    recheck: float = 0.5,
) -> None:
    """Return once the index reflects the token's write; raise StaleRead after `timeout` seconds.

    `recheck` bounds how long a missed announcement can delay the answer (a projector in another
    process announces nothing to this one).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        changed = feed.next_change()
        if await is_visible(index, token):
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise StaleRead(
                f"The read side has not caught up with this write after {timeout:g}s; "
                "retry the query with the same token."
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), min(remaining, recheck))
