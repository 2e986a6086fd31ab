"""Supplier commands, and products naming their supplier, through `handle` with the in-memory
unit of work: outcomes, the events in the log, and refusals that change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.fakes import FakeUnitOfWork
from write.command_errors import InvalidInput, InvalidTransition, NotFound, VersionConflict
from write.handling import handle
from write.products.product import Product
from write.products.product_commands import AddProduct, AssignProductSupplier, DiscontinueProduct
from write.suppliers.supplier import Supplier
from write.suppliers.supplier_commands import AddSupplier, RenameSupplier

UNKNOWN = "00000000-0000-4000-8000-000000000001"


async def supplier(uow: FakeUnitOfWork, name: str = "Acme") -> str:
    return (await handle(AddSupplier(name, f"sales@{name.lower()}.example"), uow)).aggregate_id


async def keyboard(uow: FakeUnitOfWork) -> str:
    command = AddProduct("KB-1", "Keyboard", "Clicky", "input", Decimal("12.50"), 3)
    return (await handle(command, uow)).aggregate_id


async def test_a_supplier_is_added_and_renamed_with_one_event_each() -> None:
    uow = FakeUnitOfWork()
    id = await supplier(uow)
    result = await handle(RenameSupplier(id, "Acme Corp", expected_version=1), uow)
    stored = uow.store.rows_of(Supplier)[id]
    assert (result.version, stored.name, stored.email) == (2, "Acme Corp", "sales@acme.example")
    assert [(e["type"], e["payload"]) for e in uow.log] == [
        ("SupplierAdded", {"name": "Acme", "email": "sales@acme.example"}),
        ("SupplierRenamed", {"name": "Acme Corp"}),
    ]


async def test_a_product_names_its_supplier_as_the_supplier_was_then() -> None:
    uow = FakeUnitOfWork()
    acme, globex, kb = await supplier(uow), await supplier(uow, "Globex"), await keyboard(uow)
    await handle(AssignProductSupplier(kb, acme), uow)
    await handle(AssignProductSupplier(kb, acme), uow)  # already so: no event
    await handle(AssignProductSupplier(kb, globex), uow)
    assert uow.store.rows_of(Product)[kb].supplier_id == globex
    assignments = [e["payload"] for e in uow.log if e["type"] == "ProductSupplierAssigned"]
    assert assignments == [
        {"supplier_id": acme, "supplier_version": 1, "supplier_name": "Acme",
         "previous_supplier_id": None},
        {"supplier_id": globex, "supplier_version": 1, "supplier_name": "Globex",
         "previous_supplier_id": acme},
    ]


@pytest.mark.parametrize(("command", "error"), [
    (lambda kb, acme: AssignProductSupplier(kb, UNKNOWN), NotFound),
    (lambda kb, acme: AssignProductSupplier(UNKNOWN, acme), NotFound),
    (lambda kb, acme: AssignProductSupplier(kb, acme, expected_version=7), VersionConflict),
    (lambda kb, acme: RenameSupplier(acme, " "), InvalidInput),
    (lambda kb, acme: RenameSupplier(acme, "x" * 201), InvalidInput),
    (lambda kb, acme: AddSupplier("Initech", "not an email"), InvalidInput),
])
async def test_bad_supplier_commands_are_refused_and_change_nothing(
    command: object, error: type[Exception]
) -> None:
    uow = FakeUnitOfWork()
    acme, kb = await supplier(uow), await keyboard(uow)
    logged = len(uow.log)
    with pytest.raises(error):
        await handle(command(kb, acme), uow)  # type: ignore[operator]
    assert len(uow.log) == logged


async def test_a_discontinued_product_takes_no_supplier() -> None:
    uow = FakeUnitOfWork()
    acme, kb = await supplier(uow), await keyboard(uow)
    await handle(DiscontinueProduct(kb), uow)
    with pytest.raises(InvalidTransition):
        await handle(AssignProductSupplier(kb, acme), uow)
    assert uow.store.rows_of(Product)[kb].supplier_id is None
