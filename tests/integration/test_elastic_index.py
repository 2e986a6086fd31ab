"""The Elasticsearch index (read/elastic/) honours the whole search-index contract.

It runs against the real cluster at DIPTYCH_TEST_ELASTICSEARCH_URL and is skipped without it
(tests/conftest.py): nothing imitates a cluster here. Each test gets its own index prefix, and its
indices are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

import pytest
from elasticsearch import AsyncElasticsearch

from read.elastic.elastic_index import ElasticIndex
from read.index import SearchIndex
from tests.contracts.index_contract import IndexContract


@dataclass(frozen=True)
class Cluster:
    """Where an Elasticsearch test's indices live: every index name starts with `prefix-`."""

    url: str
    prefix: str


async def drop_indices(cluster: Cluster) -> None:
    """Delete every index under the test's prefix, by name: Elasticsearch 8+ refuses wildcard
    deletes by default (`action.destructive_requires_name`)."""
    client = AsyncElasticsearch(cluster.url)
    try:
        found = await client.indices.get(index=f"{cluster.prefix}-*", allow_no_indices=True)
        if found.body:
            await client.indices.delete(index=list(found.body))
    finally:
        await client.close()


class TestElasticIndex(IndexContract):
    @pytest.fixture
    async def new_index(self, elasticsearch_url: str) -> AsyncIterator[Callable[[], SearchIndex]]:
        cluster = Cluster(elasticsearch_url, f"diptych-test-{uuid.uuid4().hex[:12]}")
        try:
            # The suite reads its writes through search at once, so it asks for refresh=wait_for.
            yield partial(ElasticIndex, cluster.url, prefix=cluster.prefix, refresh_on_write=True)
        finally:
            await drop_indices(cluster)
