"""A read model with nothing in it yet answers every list question, facets included."""

from __future__ import annotations

from pathlib import Path

from read.query import product_queries
from read.query.product_queries import ProductFilter
from read.tantivy.tantivy_index import TantivyIndex


async def test_products_on_an_empty_index_have_every_price_range_at_zero(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    try:
        page = await product_queries.products(
            index, ProductFilter(None, None, None, None, None), None, 5, None)
    finally:
        await index.close()
    assert page.total_count == 0 and page.edges == []
    assert [r.count for r in page.ranges["price"]] == [0, 0, 0, 0, 0]
