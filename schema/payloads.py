"""Success payloads of mutations: which aggregate, its new version, and a consistency token."""

from __future__ import annotations

import strawberry

TOKEN = (
    "Pass to a query's `consistency` argument to read this write back: the query waits until "
    "the read side reflects it."
)


@strawberry.interface(description="The write side accepted and committed the command.")
class Accepted:
    id: strawberry.ID
    version: int = strawberry.field(description="The aggregate's version after the command.")
    consistency_token: str = strawberry.field(description=TOKEN)


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
