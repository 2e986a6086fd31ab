"""The read side's questions about products: plain functions over the index port, answering with
view models, facets and price ranges."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum

from read.index import RELEVANCE, Document, Filter, Range, SearchIndex, Sort, Term
from read.projection.product_documents import PRODUCT
from read.query.pages import Page, RangeCount
from read.query.paging import Listing, money_range, page, text

# Price-range facet edges, in cents: under 10, 10-50, 50-100, 100-500, 500 and more.
PRICE_EDGES = (1000, 5000, 10000, 50000)


@dataclass(frozen=True)
class ProductView:
    id: str
    version: int
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int
    sold: int
    status: str
    added_at: datetime
    supplier_id: str | None = None
    supplier_name: str | None = None

    @classmethod
    def from_document(cls, doc: Document) -> ProductView:
        b = doc.body
        return cls(
            id=doc.id,
            version=b["version"],
            sku=b["sku"],
            name=b["name"],
            description=b["description"],
            category=b["category"],
            price=Decimal(b["price"]),
            stock=b["stock"],
            sold=b["sold"],
            status=b["status"],
            added_at=datetime.fromisoformat(b["added_at"]),
            supplier_id=b.get("supplier_id"),  # absent from documents projected before suppliers
            supplier_name=b.get("supplier_name"),
        )


class ProductSort(Enum):
    RELEVANCE = RELEVANCE
    NAME = Sort("name_key")
    NEWEST = Sort("added_ms", descending=True)
    PRICE_ASC = Sort("price_cents")
    PRICE_DESC = Sort("price_cents", descending=True)
    BEST_SELLING = Sort("sold", descending=True)


@dataclass(frozen=True)
class ProductFilter:
    search: str | None = None
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None


async def product(index: SearchIndex, id: str) -> ProductView | None:
    doc = await index.get(PRODUCT, id)
    return ProductView.from_document(doc) if doc else None


async def products(
    index: SearchIndex,
    where: ProductFilter,
    sort: ProductSort | None = None,
    first: int = 20,
    after: str | None = None,
    facets: bool = True,
) -> Page[ProductView]:
    """A page of products; with `facets`, the category counts and price ranges too (two more
    questions to the index, which a page that does not show them should not ask)."""
    words = text(where.search)
    chosen = sort or (ProductSort.RELEVANCE if words else ProductSort.NEWEST)
    filters: list[Filter] = []
    if where.category is not None:
        filters.append(Term("category", where.category))
    price = money_range("price_cents", where.min_price, where.max_price, "minPrice", "maxPrice")
    if price is not None:
        filters.append(price)
    if where.in_stock is True:
        filters.append(Range("stock", gte=1))
    elif where.in_stock is False:
        filters.append(Term("stock", 0))
    listing = Listing(PRODUCT, chosen, words, tuple(filters),
                      ("category",) if facets else (), first, after)
    result = await page(index, listing, ProductView.from_document)
    if not facets:
        return result
    others = tuple(f for f in filters if f.field != "price_cents")  # ranges facet like categories
    return replace(result, ranges={"price": await _price_ranges(index, words, others)})


async def _price_ranges(
    index: SearchIndex, words: str | None, filters: tuple[Filter, ...]
) -> list[RangeCount]:
    """Matching products per price range, computed by the index's range aggregation."""
    edges = (None, *PRICE_EDGES, None)
    ranges = [{k: v for k, v in (("from", low), ("to", high)) if v is not None}
              for low, high in itertools.pairwise(edges)]
    result = await index.aggregate(
        PRODUCT, filters, {"price": {"range": {"field": "price_cents", "ranges": ranges}}}, words
    )
    # Keyed by their bounds: an index with no products answers no buckets at all (tantivy).
    counts = {_bounds(b): int(b["doc_count"]) for b in result["price"]["buckets"]}
    return [
        RangeCount(_amount(low), _amount(high), counts.get((low, high), 0))
        for low, high in itertools.pairwise(edges)
    ]


def _bounds(bucket: dict[str, object]) -> tuple[int | None, int | None]:
    low, high = bucket.get("from"), bucket.get("to")
    return (None if low is None else int(low),  # type: ignore[call-overload]
            None if high is None else int(high))  # type: ignore[call-overload]


def _amount(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)

