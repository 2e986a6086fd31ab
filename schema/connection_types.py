"""What every list field shares: one generic connection, its edges and page info, the paging
arguments, and facet buckets.

`Connection[User]` is named `UserConnection` in the schema and its `Edge[User]` `UserEdge`
(strawberry names a generic type after its arguments); a connection with facets subclasses it.

These are written here rather than taken from `strawberry.relay`, which would change what
clients see: its `PageInfo`, `Edge` and `Connection` describe every field (`"A cursor for use
in pagination"` ...), so the SDL of each existing connection field would change, and they bind
their node type to `relay.Node`, which our types are not (as Nodes their `id` would become a
global id, `base64("User:<uuid>")`, and each would implement `Node`); `mypy --strict` refuses
`relay.Connection[User]` for that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, Self, TypeVar

import strawberry

from read.query.pages import Page

NodeT = TypeVar("NodeT")
ViewT = TypeVar("ViewT")

# The arguments every list field takes.
First = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
After = Annotated[
    str | None, strawberry.argument(description="The endCursor of the previous page.")
]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: Page[ViewT], node: Callable[[ViewT], NodeT], **more: Any) -> Self:
        """The page's views as nodes; `more` fills the fields a subclass adds (facets)."""
        return cls(
            edges=[Edge(cursor=e.cursor, node=node(e.node)) for e in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
            **more,
        )


@strawberry.type
class FacetBucket:
    value: str
    count: int


def buckets(counts: dict[str, int]) -> list[FacetBucket]:
    """Most first, then by value."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FacetBucket(value=value, count=count) for value, count in ordered]
