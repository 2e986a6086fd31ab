"""The read side's questions about suppliers: one supplier, and lists of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from read.index import RELEVANCE, Document, SearchIndex, Sort
from read.projection.supplier_documents import SUPPLIER
from read.query.pages import Page
from read.query.paging import Listing, page, text


@dataclass(frozen=True)
class SupplierView:
    id: str
    version: int
    name: str
    email: str
    added_at: datetime
    product_count: int

    @classmethod
    def from_document(cls, doc: Document) -> SupplierView:
        b = doc.body
        return cls(
            id=doc.id,
            version=b["version"],
            name=b["name"],
            email=b["email"],
            added_at=datetime.fromisoformat(b["added_at"]),
            product_count=b["product_count"],
        )


class SupplierSort(Enum):
    RELEVANCE = RELEVANCE
    NAME = Sort("name_key")
    NEWEST = Sort("added_ms", descending=True)
    MOST_PRODUCTS = Sort("product_count", descending=True)


async def supplier(index: SearchIndex, id: str) -> SupplierView | None:
    doc = await index.get(SUPPLIER, id)
    return SupplierView.from_document(doc) if doc else None


async def suppliers(
    index: SearchIndex,
    search: str | None = None,
    sort: SupplierSort | None = None,
    first: int = 20,
    after: str | None = None,
) -> Page[SupplierView]:
    words = text(search)
    chosen = sort or (SupplierSort.RELEVANCE if words else SupplierSort.NAME)
    listing = Listing(SUPPLIER, chosen, words, first=first, after=after)
    return await page(index, listing, SupplierView.from_document)
