"""Group commit in front of an index: what a writer of single documents does when they come faster
than one commit each.

A document is written at once if no commit is under way; those that come during a commit wait for
it and then go together in the next one. Below one commit's rate this is exactly one write per
document; above it, latency stays at about two commits instead of growing with the queue (tantivy
commits one document in ~20 ms on a small machine: fewer than 50 a second one by one).
"""

from __future__ import annotations

import asyncio

from read.index import SearchIndex, Write


class GroupCommit:
    def __init__(self, index: SearchIndex) -> None:
        self._index = index
        self._pending: list[tuple[Write, asyncio.Future[None]]] = []
        self._committing = asyncio.Lock()

    async def write(self, document: Write) -> None:
        """Return once `document` is committed, alone or with those that came meanwhile."""
        done = asyncio.get_running_loop().create_future()
        self._pending.append((document, done))
        async with self._committing:
            if not done.done():  # no earlier commit took it: this one takes all that wait
                batch, self._pending = self._pending, []
                try:
                    await self._index.write([write for write, _ in batch])
                except Exception as error:
                    for _, future in batch:
                        future.set_exception(error)
                else:
                    for _, future in batch:
                        future.set_result(None)
        await done
