"""The Supplier aggregate as the write side's registry knows it (write/aggregate_kinds.py)."""

from write.aggregate_kinds import AggregateKind
from write.suppliers.supplier import Supplier
from write.suppliers.supplier_commands import AddSupplier, RenameSupplier
from write.suppliers.supplier_handlers import add_supplier, rename_supplier

KIND = AggregateKind(
    Supplier,
    handlers={AddSupplier: add_supplier, RenameSupplier: rename_supplier},
    commit_rank=3,  # after the products that name it
)
