"""The Supplier's GraphQL types: the supplier as the read side shows it, its connection, and its
mutations' inputs, payloads and result unions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from read.index import Document
from read.query import supplier_queries as queries
from read.query.supplier_queries import SupplierView
from schema.connection_types import Connection
from schema.error_types import InvalidInput, InvalidTransition, NotFound, Refused, VersionConflict
from schema.mutation_types import EXPECTED_VERSION, Accepted

SupplierSort = strawberry.enum(queries.SupplierSort, name="SupplierSort")


@strawberry.type
class Supplier:
    id: strawberry.ID
    version: int
    name: str
    email: str
    added_at: datetime
    product_count: int = strawberry.field(description="Products that name this supplier.")

    @classmethod
    def from_view(cls, v: SupplierView) -> Supplier:
        return cls(
            id=strawberry.ID(v.id),
            version=v.version,
            name=v.name,
            email=v.email,
            added_at=v.added_at,
            product_count=v.product_count,
        )

    @classmethod
    def from_document(cls, document: Document) -> Supplier:
        return cls.from_view(SupplierView.from_document(document))


SupplierConnection = Connection[Supplier]


@strawberry.input
class AddSupplierInput:
    name: str
    email: str


@strawberry.input
class RenameSupplierInput:
    id: strawberry.ID
    name: str
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.type
class SupplierAdded(Accepted):
    pass


@strawberry.type
class SupplierRenamed(Accepted):
    pass


AddSupplierResult = Annotated[
    SupplierAdded | InvalidInput | Refused, strawberry.union("AddSupplierResult")
]
RenameSupplierResult = Annotated[
    SupplierRenamed | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("RenameSupplierResult"),
]
