"""The Supplier's operations: its query fields, answered from the search index through read/
functions, and its mutations, each building a command for the write side."""

from __future__ import annotations

import strawberry

from read.projection.supplier_documents import SUPPLIER
from read.query import supplier_queries as queries
from schema.access.permissions import read_model
from schema.connection_types import After, First
from schema.context import Info
from schema.graph_kinds import GraphKind
from schema.outcomes import execute
from schema.supplier_types import (
    AddSupplierInput,
    AddSupplierResult,
    RenameSupplierInput,
    RenameSupplierResult,
    Supplier,
    SupplierAdded,
    SupplierConnection,
    SupplierRenamed,
    SupplierSort,
)
from write.suppliers.supplier_commands import AddSupplier, RenameSupplier


async def supplier(info: Info, id: strawberry.ID) -> Supplier | None:
    view = await queries.supplier(info.context.index, id)
    return Supplier.from_view(view) if view else None


async def suppliers(
    info: Info,
    search: str | None = None,
    sort: SupplierSort | None = None,  # type: ignore[valid-type]
    first: First = 20,
    after: After = None,
) -> SupplierConnection:
    page = await queries.suppliers(info.context.index, search, sort, first, after)
    return SupplierConnection.of(page, Supplier.from_view)


@strawberry.type
class SupplierQueries:
    """Every field takes `consistency` (see schema/read_model.py) to read a write back."""

    supplier: Supplier | None = strawberry.field(
        resolver=supplier, description="One supplier by id, or null.", extensions=read_model()
    )
    suppliers: SupplierConnection = strawberry.field(
        resolver=suppliers,
        description="Suppliers, full-text searched over name and email.",
        extensions=read_model(),
    )


@strawberry.type
class SupplierMutations:
    @strawberry.mutation
    async def add_supplier(self, info: Info, input: AddSupplierInput) -> AddSupplierResult:
        return await execute(info, AddSupplier(input.name, input.email), SupplierAdded)

    @strawberry.mutation
    async def rename_supplier(
        self, info: Info, input: RenameSupplierInput
    ) -> RenameSupplierResult:
        command = RenameSupplier(input.id, input.name, input.expected_version)
        return await execute(info, command, SupplierRenamed)


OPERATIONS = GraphKind(
    queries=SupplierQueries, mutations=SupplierMutations, documents={SUPPLIER: Supplier}
)
