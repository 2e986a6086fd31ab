"""Success payloads of mutations: which aggregate, its new version, and a consistency token."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

import strawberry

from write.command_results import CommandResult, OrderPlacedResult

TOKEN = (
    "Pass to a query's `consistency` argument to read this write back: the query waits until "
    "the read side reflects it."
)


@strawberry.interface(description="The write side accepted and committed the command.")
class Accepted:
    id: strawberry.ID
    version: int = strawberry.field(description="The aggregate's version after the command.")
    consistency_token: str = strawberry.field(description=TOKEN)

    @classmethod
    def of(cls, result: CommandResult, token: str) -> Self:
        return cls(id=strawberry.ID(result.aggregate_id), version=result.version,
                   consistency_token=token)


@strawberry.type
class UserRegistered(Accepted):
    pass


@strawberry.type
class UserEmailChanged(Accepted):
    pass


@strawberry.type
class UserRenamed(Accepted):
    pass


@strawberry.type
class UserDeactivated(Accepted):
    pass


@strawberry.type
class ProductAdded(Accepted):
    pass


@strawberry.type
class ProductPriceChanged(Accepted):
    pass


@strawberry.type
class ProductRestocked(Accepted):
    pass


@strawberry.type
class ProductDescribed(Accepted):
    pass


@strawberry.type
class ProductDiscontinued(Accepted):
    pass


@strawberry.type
class OrderPlaced(Accepted):
    total: Decimal = strawberry.field(description="The order's total at the prices of placement.")

    @classmethod
    def of(cls, result: CommandResult, token: str) -> Self:
        if not isinstance(result, OrderPlacedResult):
            raise TypeError(f"placing an order reported {result!r}")
        return cls(id=strawberry.ID(result.aggregate_id), version=result.version,
                   consistency_token=token, total=result.total)


@strawberry.type
class OrderCancelled(Accepted):
    pass


@strawberry.type
class OrderShipped(Accepted):
    pass
