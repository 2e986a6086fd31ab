"""The production search index: Elasticsearch, behind the `SearchIndex` port.

The client is created in `open()` and closed in `close()`. Semantics match the embedded index:

- versions are external (`version_type: external`): a write not newer than the stored version
  is refused with 409 and counted stale; deletes are tombstones written the same way (see
  `read/elastic/elastic_mappings.py` for why they are not Elasticsearch deletes);
- `get`, `get_many`, `version_of` and `checkpoint` use real-time GET (mget), which sees a write
  as soon as it is acknowledged, refreshed or not;
- `write` does not wait for search: its writes become searchable at the next scheduled refresh
  (`index.refresh_interval`, 1s by default). Consistency tokens wait on `visible`, which
  asks search itself, so a reader waits exactly until searches reflect the write. Only a caller
  that asked to read its writes through search at once (`refresh_on_write=True`) makes the bulk
  request carry `refresh=wait_for`, which waits for that refresh rather than forcing tiny
  segments. Nothing ever forces a refresh;
- the checkpoint is written after every document of its batch succeeded, with the position as
  its external version, so it never moves backwards; a crash in between only replays the batch.

Elasticsearch creates a missing index on the first write to it (`action.auto_create_index`),
with guessed mappings. The indices exist from `open()` on; a shared cluster should still exclude
the prefix from auto-creation, so that a write racing `clear()` fails instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from elasticsearch import AsyncElasticsearch, ConflictError

from read.elastic.elastic_client import connect, reaching, redacted
from read.elastic.elastic_mappings import (
    BODY,
    CHECKPOINTS,
    LIVE,
    POSITION,
    Names,
    create_index,
    document,
    layouts,
)
from read.elastic.elastic_search import filter_query, page, search_body
from read.elastic.elastic_writes import Key, Planned, Tally, plan, send
from read.index import (
    JSON,
    Checkpoint,
    Document,
    Filter,
    IndexUnavailable,
    SearchPage,
    SearchRequest,
    Term,
    Write,
    WriteResult,
)
from read.index_requests import spec_of
from read.projection.projection_kinds import specs

log = logging.getLogger(__name__)
__all__ = ["ElasticIndex", "IndexUnavailable"]


class ElasticIndex:
    def __init__(
        self,
        url: str,
        prefix: str = "diptych",
        refresh_on_write: bool = False,
        request_timeout: float = 10.0,
    ) -> None:
        """`refresh_on_write=True` makes `write` wait (`refresh=wait_for`) until its writes are
        searchable: for callers that asked to read their writes through search at once. The
        projector does not: consistency tokens wait on `visible` instead."""
        self.url = url
        self.names = Names(prefix)
        self.refresh_on_write = refresh_on_write
        self.request_timeout = request_timeout
        self._client: AsyncElasticsearch | None = None

    async def open(self) -> None:
        client = await connect(self.url, self.request_timeout)
        try:
            with reaching(self.url):
                for name in layouts():
                    await create_index(client, self.names, name)
        except BaseException:
            await client.close()
            raise
        self._client = client
        log.info("elasticsearch index at %s: %s", redacted(self.url), self.names.index("*"))

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def get(self, kind: str, id: str) -> Document | None:
        return (await self.get_many(kind, [id])).get(id)

    async def get_many(self, kind: str, ids: Sequence[str]) -> dict[str, Document]:
        if kind not in specs():
            return {}
        stored = await self._stored(self.names.index(kind), ids, [LIVE, BODY])
        documents = (document(kind, i, version, source) for i, (version, source) in stored.items())
        return {doc.id: doc for doc in documents if doc is not None}

    async def version_of(self, kind: str, id: str) -> int | None:
        if kind not in specs():
            return None
        stored = await self._stored(self.names.index(kind), [id], False)
        return stored[id][0] if id in stored else None

    async def visible(self, kind: str, id: str) -> Document | None:
        """Asked of search, not of real-time GET: search sees only refreshed writes, so this is
        the document a query would find now."""
        if kind not in specs():
            return None
        with self._reaching() as client:
            response = await client.search(
                index=self.names.index(kind), query={"ids": {"values": [id]}}, version=True,
                source_includes=[LIVE, BODY], size=1,
            )
        hits = response.body["hits"]["hits"]
        if not hits:
            return None
        return document(kind, id, int(hits[0]["_version"]), hits[0].get("_source") or {})

    async def aggregate(
        self, kind: str, filters: Sequence[Filter], aggregations: JSON, text: str | None = None
    ) -> JSON:
        query = filter_query(spec_of(kind), filters, text)  # InvalidSearch before any request
        with self._reaching() as client:
            response = await client.search(
                index=self.names.index(kind), query=query, aggs=aggregations, size=0,
                track_total_hits=False,
            )
        result: JSON = response.body.get("aggregations", {})
        return result

    async def checkpoint(self, name: str) -> int:
        stored = await self._stored(self.names.index(CHECKPOINTS), [name], False)
        return stored[name][0] if name in stored else 0

    async def write(
        self, writes: Sequence[Write], checkpoint: Checkpoint | None = None
    ) -> WriteResult:
        unknown = {w.kind for w in writes} - specs().keys()
        if unknown:
            raise ValueError(f"no document kind {sorted(unknown)[0]!r}")
        planned, stale = plan(writes)
        # Only a document written several times in this batch needs its stored version, to
        # tell which of those writes were newer; every other outcome is Elasticsearch's answer.
        stored = await self._versions([p.key for p in planned if len(p.versions) > 1])
        tally = Tally(stale=stale)
        sending: list[tuple[Planned, int]] = []
        for entry in planned:
            fresh = entry.newer_than(stored.get(entry.key, 0))
            tally.stale += len(entry.versions) - fresh
            if fresh:
                sending.append((entry, fresh))
            else:
                tally.rejected.append(entry.key)
        if sending:
            with self._reaching() as client:
                await send(client, self.names, sending, tally, self.refresh_on_write)
        if checkpoint is not None and checkpoint.position > 0:
            await self._write_checkpoint(checkpoint)
        return WriteResult(
            applied=tally.applied, stale=tally.stale, rejected=tuple(dict.fromkeys(tally.rejected))
        )

    async def search(self, kind: str, request: SearchRequest) -> SearchPage:
        body = search_body(spec_of(kind), request)  # InvalidSearch / InvalidCursor, at once
        with self._reaching() as client:
            response = await client.search(index=self.names.index(kind), **body)
        return page(kind, request, response.body)

    def generation(self, kind: str, within: Term | None = None) -> int | None:
        """None: a search sees new documents at the cluster's next refresh, on its schedule and
        in other processes' hands, so this client cannot tell when an answer changed."""
        return None

    async def clear(self) -> None:
        """Drops and recreates the indices. Deleting the documents instead would leave
        Elasticsearch's own delete tombstones, refusing lower versions for `index.gc_deletes`."""
        with self._reaching() as client:
            indices = [self.names.index(name) for name in layouts()]
            await client.indices.delete(index=indices, ignore_unavailable=True)
            for name in layouts():
                await create_index(client, self.names, name)

    # -- versions: `diptych rebuild` builds tantivy's only, for now ------------------------------

    async def write_version_changed(self) -> bool:
        return False  # one version per layout: nothing to follow

    async def open_write_version(self) -> ElasticIndex:
        raise NotImplementedError("Elasticsearch indices have no rebuilt versions yet")

    async def switch_to(self, other: ElasticIndex) -> None:
        raise NotImplementedError("Elasticsearch indices have no rebuilt versions yet")

    async def drop_old_versions(self, keep: int) -> tuple[str, ...]:
        return ()

    # -- requests ------------------------------------------------------------------------------

    async def _stored(
        self, index: str, ids: Sequence[str], source: list[str] | bool
    ) -> dict[str, tuple[int, JSON]]:
        """Each stored id's version and (filtered) source, tombstones included."""
        if not ids:
            return {}
        with self._reaching() as client:
            response = await client.mget(index=index, ids=list(dict.fromkeys(ids)), source=source)
        stored = {}
        for doc in response["docs"]:
            if "error" in doc:
                reason = doc["error"].get("reason", doc["error"])
                raise IndexUnavailable(f"Elasticsearch cannot read {index}/{doc['_id']}: {reason}")
            if doc.get("found"):
                stored[doc["_id"]] = (int(doc["_version"]), doc.get("_source") or {})
        return stored

    async def _versions(self, keys: list[Key]) -> dict[Key, int]:
        versions: dict[Key, int] = {}
        for kind in {k for k, _ in keys}:
            ids = [i for k, i in keys if k == kind]
            stored = await self._stored(self.names.index(kind), ids, False)
            versions |= {(kind, i): version for i, (version, _) in stored.items()}
        return versions

    async def _write_checkpoint(self, checkpoint: Checkpoint) -> None:
        # 409: an equal or later position is stored already, and stays.
        with self._reaching() as client, suppress(ConflictError):
            await client.index(
                index=self.names.index(CHECKPOINTS),
                id=checkpoint.name,
                document={POSITION: checkpoint.position},
                version=checkpoint.position,
                version_type="external",
            )

    @contextmanager
    def _reaching(self) -> Iterator[AsyncElasticsearch]:
        if self._client is None:
            raise RuntimeError("the Elasticsearch index is not open")
        with reaching(self.url):
            yield self._client
