"""The read side's questions about users: plain functions over the index port, answering with
view models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from read.index import RELEVANCE, Document, SearchIndex, Sort
from read.projection.user_documents import USER
from read.query.pages import Page
from read.query.paging import Listing, page, text


@dataclass(frozen=True)
class UserView:
    id: str
    version: int
    name: str
    email: str
    status: str
    registered_at: datetime
    order_count: int
    total_spent: Decimal

    @classmethod
    def from_document(cls, doc: Document) -> UserView:
        b = doc.body
        return cls(
            id=doc.id,
            version=b["version"],
            name=b["name"],
            email=b["email"],
            status=b["status"],
            registered_at=datetime.fromisoformat(b["registered_at"]),
            order_count=b["order_count"],
            total_spent=Decimal(b["total_spent"]),
        )


class UserSort(Enum):
    RELEVANCE = RELEVANCE
    NAME = Sort("name_key")
    NEWEST = Sort("registered_ms", descending=True)
    MOST_SPENT = Sort("spent_cents", descending=True)


async def user(index: SearchIndex, id: str) -> UserView | None:
    doc = await index.get(USER, id)
    return UserView.from_document(doc) if doc else None


async def users_by_id(index: SearchIndex, ids: Sequence[str]) -> list[UserView | None]:
    """Each id's user, in the order asked (for batching loaders)."""
    found = await index.get_many(USER, list(dict.fromkeys(ids)))
    return [UserView.from_document(found[i]) if i in found else None for i in ids]


async def users(
    index: SearchIndex,
    search: str | None = None,
    sort: UserSort | None = None,
    first: int = 20,
    after: str | None = None,
) -> Page[UserView]:
    words = text(search)
    chosen = sort or (UserSort.RELEVANCE if words else UserSort.NAME)
    listing = Listing(USER, chosen, words, first=first, after=after)
    return await page(index, listing, UserView.from_document)

