"""Handlers of the Supplier commands: validate, load, decide, commit."""

from __future__ import annotations

import uuid

from write import input_checks as v
from write.command_results import CommandResult
from write.suppliers.supplier import NAME_MAX, Supplier
from write.suppliers.supplier_commands import AddSupplier, RenameSupplier
from write.unit_of_work import UnitOfWork


async def add_supplier(cmd: AddSupplier, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, NAME_MAX)
        email = check.email("email", cmd.email)
    async with uow:
        supplier = Supplier.add(str(uuid.uuid4()), name, email)
        uow.repository(Supplier).add(supplier)
        return CommandResult.of(supplier, await uow.commit())


async def rename_supplier(cmd: RenameSupplier, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, NAME_MAX)
        check.expected_version(cmd.expected_version)
    async with uow:
        supplier = await uow.repository(Supplier).load(cmd.id, cmd.expected_version)
        supplier.rename(name)
        return CommandResult.of(supplier, await uow.commit())
