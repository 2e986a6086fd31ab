"""Maps the aggregates onto their tables (SQLAlchemy imperative mapping), keeping the aggregates
free of persistence code. Which table holds which aggregate is the table's own `info`
(tables.py); the classes come from the aggregates' declarations (write/aggregate_kinds.py).

`version` is the mapper's version counter: every UPDATE says `WHERE version = <loaded version>`, so
a concurrent change makes the flush fail instead of being silently overwritten. The aggregates bump
the version themselves (one per event), hence `version_id_generator=False`.

A part of an aggregate (an order's lines) is loaded with it (one extra SELECT ... IN) and saved
with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import registry, relationship

from write.aggregate import Aggregate
from write.aggregate_kinds import kinds
from write.sqlalchemy.tables import metadata

mapper_registry = registry()


def _start_without_pending_events(aggregate: Aggregate, context: Any) -> None:
    aggregate.events = []  # loading does not run __init__


def map_aggregates() -> None:
    """Idempotent: map each aggregate class once per process."""
    if mapper_registry.mappers:
        return
    tables = metadata.tables.values()
    for kind in kinds():
        table = _one(t for t in tables if t.info.get("aggregate") == kind.type)
        properties: dict[str, Any] = {}
        for part in (t for t in tables if t.info.get("part_of") == kind.type):
            attribute = part.info["attribute"]
            part_cls = kind.parts[attribute]
            mapper_registry.map_imperatively(part_cls, part)
            properties[attribute] = relationship(
                part_cls,
                order_by=part.c[part.info["order_by"]],
                lazy="selectin",
                cascade="all, delete-orphan",
            )
        mapper_registry.map_imperatively(
            kind.cls,
            table,
            properties=properties,
            version_id_col=table.c.version,
            version_id_generator=False,
        )
        event.listen(kind.cls, "load", _start_without_pending_events)


def _one(found: Any) -> Table:
    tables = list(found)
    if len(tables) != 1:
        raise LookupError(f"expected one table for an aggregate, found {len(tables)}")
    table: Table = tables[0]
    return table
