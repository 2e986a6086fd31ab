"""A page that does not show facets does not make the index count them: the category counts and
price ranges are two more questions per page, asked only when the selection (fragments too)
names `facets`. Real tantivy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from read.freshness.visibility_feed import VisibilityFeed
from read.index import JSON, Filter, SearchPage, SearchRequest, Upsert
from read.tantivy.tantivy_index import TantivyIndex
from schema.access.authentication import Principal, Role
from schema.app import build_schema
from schema.context import Context, Services
from tests.unit.test_schema_mutations import FakeDispatcher


class Counting(TantivyIndex):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.facets: list[tuple[str, ...]] = []
        self.aggregations = 0

    async def search(self, kind: str, request: SearchRequest) -> SearchPage:
        self.facets.append(request.facets)
        return await super().search(kind, request)

    async def aggregate(self, kind: str, filters: Sequence[Filter], aggregations: JSON,
                        text: str | None = None) -> JSON:
        self.aggregations += 1
        return await super().aggregate(kind, filters, aggregations, text)


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[Counting]:
    index = Counting(tmp_path / "index")
    await index.open()
    body = {"id": "p-1", "version": 1, "sku": "KB-1", "name": "Keyboard", "description": "Clicky",
            "category": "input", "price": "89.90", "stock": 3, "sold": 0, "status": "active",
            "added_at": "2026-12-01T12:00:00+00:00", "sources": {}, "sku_text": "KB-1",
            "name_key": "keyboard", "price_cents": 8990, "added_ms": 1764590400000}
    await index.write([Upsert("product", "p-1", 1, body)])
    yield index
    await index.close()


async def ask(index: Counting, query: str) -> dict[str, Any]:
    services = Services(dispatch=FakeDispatcher(RuntimeError("no")),
                        index=index,  # type: ignore[arg-type]  # its versions return the base
                        feed=VisibilityFeed(), consistency_timeout=1)
    result = await build_schema().execute(
        query, context_value=Context(services=services, principal=Principal(Role.ADMIN)))
    assert not result.errors, result.errors
    assert result.data is not None
    return result.data


async def test_a_page_without_facets_asks_the_index_one_question(index: Counting) -> None:
    data = await ask(index, '{ products(category: "input") { totalCount edges { node { id } } } }')
    assert data["products"]["totalCount"] == 1
    assert index.facets == [()] and index.aggregations == 0


async def test_facets_asked_directly_or_in_a_fragment_are_counted(index: Counting) -> None:
    direct = await ask(index, '{ products { facets { category { value count } } } }')
    assert direct["products"]["facets"]["category"] == [{"value": "input", "count": 1}]
    fragment = await ask(index, "{ products { ...F } } "
                         "fragment F on ProductConnection { facets { priceRange { count } } }")
    assert sum(r["count"] for r in fragment["products"]["facets"]["priceRange"]) == 1
    assert index.facets == [("category",), ("category",)] and index.aggregations == 2


