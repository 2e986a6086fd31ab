"""Maps the aggregates onto their tables (SQLAlchemy imperative mapping), keeping write/users.py and
write/products.py free of persistence code.

`version` is the mapper's version counter: every UPDATE says `WHERE version = <loaded version>`, so
a concurrent change makes the flush fail instead of being silently overwritten. The aggregates bump
the version themselves (one per event), hence `version_id_generator=False`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import registry

from write.aggregate import Aggregate
from write.products import Product
from write.tables import products, users
from write.users import User

mapper_registry = registry()


def _start_without_pending_events(aggregate: Aggregate, context: Any) -> None:
    aggregate.events = []  # loading does not run __init__


def map_aggregates() -> None:
    """Idempotent: map each aggregate class once per process."""
    if mapper_registry.mappers:
        return
    for cls, table in ((User, users), (Product, products)):
        mapper_registry.map_imperatively(
            cls, table, version_id_col=table.c.version, version_id_generator=False
        )
        event.listen(cls, "load", _start_without_pending_events)
