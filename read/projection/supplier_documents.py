"""The supplier documents: their kind, the fields the index holds, and the shape of a body."""

from __future__ import annotations

from read.documents import INTEGER, KEYWORD, TEXT, IndexSpec, fields

SUPPLIER = "supplier"

# Supplier: {name, email, added_at, name_key, added_ms, product_count,
#   products: {product_id: the product's version when it named this supplier, negated once it
#   named another} (the products that follow this supplier's name)}
SUPPLIER_SPEC = IndexSpec(
    SUPPLIER,
    fields(
        name=TEXT,
        email=TEXT,
        name_key=KEYWORD,
        added_ms=INTEGER,
        product_count=INTEGER,
    ),
)
