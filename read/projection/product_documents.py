"""The product documents: their kind, the fields the index holds, and the shape of a body."""

from __future__ import annotations

from read.documents import INTEGER, KEYWORD, TEXT, IndexSpec, fields

PRODUCT = "product"

# Product: {sku, name, description, category, price: "12.50", price_cents, stock, sold (units
#   reserved by orders that were not cancelled), status: "active"|"discontinued", added_at,
#   name_key, added_ms}
PRODUCT_SPEC = IndexSpec(
    PRODUCT,
    fields(
        name=TEXT,
        description=TEXT,
        sku_text=TEXT,
        sku=KEYWORD,
        category=KEYWORD,
        status=KEYWORD,
        name_key=KEYWORD,
        price_cents=INTEGER,
        stock=INTEGER,
        sold=INTEGER,
        added_ms=INTEGER,
    ),
)
