"""The sales summary query: aggregated by the search index over the order documents, through
read/query/sales_queries.py. It shows no document of its own."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

import strawberry

from read.query import sales_queries as sales
from schema.access.permissions import read_model
from schema.context import Info
from schema.graph_kinds import GraphKind
from schema.sales_types import GroupBy, Interval, SalesBucket


async def sales_summary(
    info: Info,
    from_: Annotated[date, strawberry.argument(name="from", description="First day, UTC.")],
    to: Annotated[date, strawberry.argument(description="Last day, UTC (inclusive).")],
    interval: Interval,  # type: ignore[valid-type]
    group_by: GroupBy,  # type: ignore[valid-type]
    include_cancelled: bool = False,
) -> list[SalesBucket]:
    buckets = await sales.sales_summary(
        info.context.index, from_, to, interval, group_by, include_cancelled
    )
    # The views themselves, not copies: every field of SalesBucket and SalesGroup is an
    # attribute of the same name on them, which is all strawberry reads (neither type has an
    # interface, so nothing checks their class). A year by day is some 1,100 objects.
    return cast("list[SalesBucket]", buckets)


@strawberry.type
class SalesQueries:
    """Takes `consistency` (see schema/read_model.py) to read a write back."""

    sales_summary: list[SalesBucket] = strawberry.field(
        resolver=sales_summary,
        description="Revenue, orders and units per day, week or month, grouped by order status "
        "or product category; cancelled orders only when asked for.",
        extensions=read_model(),
    )


OPERATIONS = GraphKind(queries=SalesQueries)
