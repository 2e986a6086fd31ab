"""Index names, field mappings and document shapes, shared by the queries and the projections.

A document body is a JSON object. The fields listed in a kind's `IndexSpec` are indexed from the
body's keys of the same name; everything else is only stored and returned.

- TEXT: analysed full text, searched by `SearchRequest.text` (lower-cased words).
- KEYWORD: exact string; usable in `Term` filters, facets and sorting.
- INTEGER: signed 64-bit; usable in `Term`/`Range` filters and sorting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FieldType(Enum):
    TEXT = "text"
    KEYWORD = "keyword"
    INTEGER = "integer"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType


@dataclass(frozen=True)
class IndexSpec:
    kind: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def _fields(**types: FieldType) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name, type_) for name, type_ in types.items())


TEXT, KEYWORD, INTEGER = FieldType.TEXT, FieldType.KEYWORD, FieldType.INTEGER

USER = "user"
PRODUCT = "product"
ORDER = "order"
SALE = "sale"

# Every body holds `id`, `version` (the version of its own aggregate that it reflects) and
# `sources`: {"<AggregateType>/<id>": version} for every aggregate whose events shaped it (its own
# included). A projection applies an event to a document only if it is the next version of that
# source, which keeps documents fed by several aggregates idempotent and in order.

# User: {name, email, status: "active"|"deactivated", registered_at: ISO-8601, name_key,
#   email_key, registered_ms, order_count, spent_cents, total_spent: "12.50",
#   order_ids: [...] (the orders that follow this user's name and email)}
USER_SPEC = IndexSpec(
    USER,
    _fields(
        name=TEXT,
        email=TEXT,
        status=KEYWORD,
        email_key=KEYWORD,
        name_key=KEYWORD,
        registered_ms=INTEGER,
        order_count=INTEGER,
        spent_cents=INTEGER,
    ),
)

# Product: {sku, name, description, category, price: "12.50", price_cents, stock, sold (units
#   reserved by orders that were not cancelled), status: "active"|"discontinued", added_at,
#   name_key, added_ms}
PRODUCT_SPEC = IndexSpec(
    PRODUCT,
    _fields(
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

# Order: {status: "placed"|"cancelled"|"shipped", user_id, customer_name, customer_email (the
#   customer's current ones), placed_at, placed_ms, day/week/month (UTC bucket keys: "2026-11-23",
#   the Monday "2026-11-23", "2026-11"), total: "12.50", total_cents, units,
#   lines: [{product_id, sku, name, category, unit_price, quantity, line_total}] as placed,
#   product_text / sku_text: the lines' names and SKUs, for full-text search}
ORDER_SPEC = IndexSpec(
    ORDER,
    _fields(
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
    _fields(
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

SPECS: dict[str, IndexSpec] = {
    spec.kind: spec for spec in (USER_SPEC, PRODUCT_SPEC, ORDER_SPEC, SALE_SPEC)
}
