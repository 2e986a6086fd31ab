"""What a list question answers with: a page of view models, its edges, facets and range counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Edge(Generic[T]):
    cursor: str
    node: T


@dataclass(frozen=True)
class RangeCount:
    """How many matches fall in [low, high) (either bound may be open)."""

    low: Decimal | None
    high: Decimal | None
    count: int


@dataclass(frozen=True)
class Page(Generic[T]):
    edges: list[Edge[T]]
    has_next_page: bool
    total_count: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    ranges: dict[str, list[RangeCount]] = field(default_factory=dict)

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1].cursor if self.edges else None
