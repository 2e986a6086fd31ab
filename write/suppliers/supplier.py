"""The Supplier aggregate: a company products are bought from, with a name and a contact email."""

from __future__ import annotations

from write.aggregate import Aggregate
from write.suppliers.supplier_events import SupplierAdded, SupplierRenamed

NAME_MAX = 200


class Supplier(Aggregate):
    TYPE = "Supplier"

    def __init__(self, id: str, name: str, email: str, version: int = 0) -> None:
        super().__init__(id, version)
        self.name = name
        self.email = email

    @classmethod
    def add(cls, id: str, name: str, email: str) -> Supplier:
        supplier = cls(id, name, email)
        supplier.record(SupplierAdded(name=name, email=email))
        return supplier

    def rename(self, name: str) -> None:
        if name != self.name:
            self.name = name
            self.record(SupplierRenamed(name=name))
