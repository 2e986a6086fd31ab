"""What every contract of the search-index port (`read/index.py`) stands on: the index under test,
made by each adapter's test class, and a few documents to write into it.

The contracts speak only to the `SearchIndex` protocol. An adapter's test module subclasses them
(as eventsourcing's tests/persistence.py is subclassed per technology) and defines `new_index`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from read.index import Document, SearchIndex, SearchRequest, Upsert
from read.projection.product_documents import PRODUCT
from read.projection.user_documents import USER

ALL = 1000  # a page size larger than any test's data


class IndexUnderTest:
    """The `index` fixture, opened from the `new_index` of the adapter's own test class."""

    @pytest.fixture
    def new_index(self) -> Callable[[], SearchIndex]:
        """Each adapter's test class defines this fixture: a factory of unopened indices over
        this test's own storage, every one of which sees the same data (so a test can reopen)."""
        raise NotImplementedError(f"{type(self).__name__} defines no `new_index` fixture")

    @pytest.fixture
    async def index(self, new_index: Callable[[], SearchIndex]) -> AsyncIterator[SearchIndex]:
        opened = new_index()
        await opened.open()
        yield opened
        await opened.close()


def product(id: str, name: str = "widget", version: int = 1, **fields: Any) -> Upsert:
    body = {"id": id, "name": name, "name_key": name.lower(), "description": "plain",
            "sku": f"SKU-{id}", "sku_text": f"SKU-{id}", "category": "tools", "status": "active",
            "price": "1.00", "price_cents": 100, "stock": 1, "sold": 0, "added_ms": 0} | fields
    return Upsert(PRODUCT, id, version, body)


def user(id: str, name: str, version: int = 1) -> Upsert:
    email = f"{id}@example.com"
    body = {"id": id, "name": name, "name_key": name.lower(), "email": email, "email_key": email,
            "status": "active", "registered_at": "2024-01-01T00:00:00+00:00", "registered_ms": 0,
            "order_count": 0, "spent_cents": 0}
    return Upsert(USER, id, version, body)


async def live(index: SearchIndex, id: str, kind: str = PRODUCT) -> Document:
    document = await index.get(kind, id)
    assert document is not None, f"{kind}/{id} should be live"
    return document


async def ids(
    index: SearchIndex, request: SearchRequest, kind: str = PRODUCT, first: int = ALL
) -> list[str]:
    page = await index.search(kind, replace(request, first=first))
    return [hit.document.id for hit in page.hits]


async def eventually(
    read: Callable[[], Awaitable[Document | None]], within: float = 5
) -> Document | None:
    """Poll `read` until it answers something; search-side visibility may trail a write."""
    deadline = asyncio.get_running_loop().time() + within
    while (value := await read()) is None and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return value
