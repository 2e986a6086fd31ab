"""The Supplier commands: requests to change a supplier, in the imperative; handlers validate."""

from __future__ import annotations

from dataclasses import dataclass

from write.messages import Command


@dataclass(frozen=True)
class AddSupplier(Command):
    name: str
    email: str


@dataclass(frozen=True)
class RenameSupplier(Command):
    id: str
    name: str
    expected_version: int | None = None
