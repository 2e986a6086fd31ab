"""Maps the aggregates onto their tables (SQLAlchemy imperative mapping), keeping write/users.py,
write/products.py and write/orders.py free of persistence code.

`version` is the mapper's version counter: every UPDATE says `WHERE version = <loaded version>`, so
a concurrent change makes the flush fail instead of being silently overwritten. The aggregates bump
the version themselves (one per event), hence `version_id_generator=False`.

An order's lines are part of the order: loaded with it (one extra SELECT ... IN), saved with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import registry, relationship

from write.aggregate import Aggregate
from write.orders import Order, OrderLine
from write.products import Product
from write.sqlalchemy.tables import order_lines, orders, products, users
from write.users import User

mapper_registry = registry()


def _start_without_pending_events(aggregate: Aggregate, context: Any) -> None:
    aggregate.events = []  # loading does not run __init__


def map_aggregates() -> None:
    """Idempotent: map each aggregate class once per process."""
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(OrderLine, order_lines)
    lines = relationship(
        OrderLine, order_by=order_lines.c.line_no, lazy="selectin", cascade="all, delete-orphan"
    )
    for cls, table, properties in (
        (User, users, {}),
        (Product, products, {}),
        (Order, orders, {"lines": lines}),
    ):
        mapper_registry.map_imperatively(
            cls,
            table,
            properties=properties,
            version_id_col=table.c.version,
            version_id_generator=False,
        )
        event.listen(cls, "load", _start_without_pending_events)
