"""Read-your-writes: consistency tokens and the bounded, event-driven wait for them.

A token names one write: the document kind and id it changed, the aggregate version it produced and
the log position of its last event. The read side reflects the write once the document is at that
version or newer (a tombstone counts: a delete is a visible change too).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from read import opaque_strings
from read.freshness.visibility_feed import RESYNC, Subscriber, VisibilityFeed
from read.index import SearchIndex
from read.projection.projection_kinds import kinds
from read.query.query_errors import InvalidQuery, StaleRead

TOKEN_PREFIX = "v1."
MAX_TOKEN_LENGTH = 200  # a real one is about 120 characters: a kind, a UUID, two integers


@dataclass(frozen=True)
class ConsistencyToken:
    kind: str
    id: str
    version: int
    position: int

    def encode(self) -> str:
        return TOKEN_PREFIX + opaque_strings.encode([self.kind, self.id, self.version,
                                                     self.position])

    @classmethod
    def decode(cls, token: str) -> ConsistencyToken:
        """The token a mutation returned; InvalidQuery for anything else, checked before any
        wait: a forged token must not hold a connection for the whole timeout."""
        try:
            if not token.startswith(TOKEN_PREFIX):
                raise ValueError("not a token of this version")
            body = token.removeprefix(TOKEN_PREFIX)
            bound = MAX_TOKEN_LENGTH - len(TOKEN_PREFIX)
            kind, id_, version, position = opaque_strings.decode(body, bound)
            if kind not in _token_kinds() or not all(type(n) is int for n in (version, position)):
                raise ValueError("not a document kind or version this service writes")
            return cls(str(kind), str(id_), version, position)
        except (ValueError, TypeError, ArithmeticError, RecursionError) as error:
            raise InvalidQuery(
                "consistency: not a token returned by a mutation", field="consistency"
            ) from error


async def is_visible(index: SearchIndex, token: ConsistencyToken) -> bool:
    document = await index.visible(token.kind, token.id)
    return document is not None and int(document.body.get("version", 0)) >= token.version


async def wait_until_visible(
    index: SearchIndex,
    feed: VisibilityFeed,
    token: ConsistencyToken,
    timeout: float,
    recheck: float = 1.0,
) -> None:
    """Return once the index reflects the token's write; raise StaleRead after `timeout` seconds.

    The wait listens for this one document: it checks the index when the feed announces a new
    enough version of it (or asks everyone to re-read), not at every change of the store.
    `recheck` is only a safety net, for an index whose writes turn searchable after their
    announcement (Elasticsearch's refresh) and announcements lost with a broker connection.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    with feed.subscribe(token.kind, [token.id]) as watch:  # before the first check: no gap
        while not await is_visible(index, token):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise StaleRead(
                    f"The read side has not caught up with this write after {timeout:g}s; "
                    "retry the query with the same token."
                )
            await _next_relevant(watch, token, min(remaining, recheck))


async def _next_relevant(watch: Subscriber, token: ConsistencyToken, timeout: float) -> None:
    """Wait for a change that may make the token visible, or for `timeout` to pass."""
    loop = asyncio.get_running_loop()
    until = loop.time() + timeout
    with contextlib.suppress(TimeoutError):
        while True:
            change = await asyncio.wait_for(watch.queue.get(), max(0.0, until - loop.time()))
            if change is RESYNC or change.version >= token.version:
                return


def _token_kinds() -> set[str]:
    """The kinds a mutation's token may name: each aggregate's own documents."""
    return {declared.kind for declared in kinds()}
