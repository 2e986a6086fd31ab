"""The order documents: their kind, the fields the index holds, and the shape of a body."""

from __future__ import annotations

from read.documents import INTEGER, KEYWORD, TEXT, IndexSpec, fields

ORDER = "order"
SALE = "sale"

# Order: {status: "placed"|"cancelled"|"shipped", user_id, customer_name, customer_email (the
#   customer's current ones), placed_at, placed_ms, day/week/month (UTC bucket keys: "2026-11-23",
#   the Monday "2026-11-23", "2026-11"), total: "12.50", total_cents, units,
#   lines: [{product_id, sku, name, category, unit_price, quantity, line_total}] as placed,
#   product_text / sku_text: the lines' names and SKUs, for full-text search}
ORDER_SPEC = IndexSpec(
    ORDER,
    fields(
        product_text=TEXT,
        sku_text=TEXT,
        customer_name=TEXT,
        customer_email=TEXT,
        user_id=KEYWORD,
        status=KEYWORD,
        day=KEYWORD,
        week=KEYWORD,
        month=KEYWORD,
        placed_ms=INTEGER,
        total_cents=INTEGER,
        units=INTEGER,
    ),
)


# Sale: one per order and product category, so that sales per category are sums of documents:
#   {order_id, category, status, placed_ms, day, week, month, revenue_cents, units}
SALE_SPEC = IndexSpec(
    SALE,
    fields(
        order_id=KEYWORD,
        category=KEYWORD,
        status=KEYWORD,
        day=KEYWORD,
        week=KEYWORD,
        month=KEYWORD,
        placed_ms=INTEGER,
        revenue_cents=INTEGER,
        units=INTEGER,
    ),
)
