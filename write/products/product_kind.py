"""The Product aggregate as the write side's registry knows it (write/aggregate_kinds.py)."""

from write.aggregate_kinds import AggregateKind
from write.products.product import Product
from write.products.product_commands import (
    AddProduct,
    AssignProductSupplier,
    ChangeProductPrice,
    DescribeProduct,
    DiscontinueProduct,
    RestockProduct,
)
from write.products.product_handlers import (
    add_product,
    assign_product_supplier,
    change_product_price,
    describe_product,
    discontinue_product,
    restock_product,
)

KIND = AggregateKind(
    Product,
    handlers={
        AddProduct: add_product,
        ChangeProductPrice: change_product_price,
        RestockProduct: restock_product,
        DescribeProduct: describe_product,
        DiscontinueProduct: discontinue_product,
        AssignProductSupplier: assign_product_supplier,
    },
    commit_rank=2,
)
