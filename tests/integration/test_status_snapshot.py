"""The outbox's backlog figures come from one snapshot: commands committing and the relay
publishing while they are read can never show the relay ahead of the head of the log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.commands import run
from write.products.product_commands import AddProduct
from write.sqlalchemy import outbox
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.tables import events


async def test_commits_and_publishing_during_the_read_do_not_mix_into_the_figures(
    engine: AsyncEngine, url: str
) -> None:
    added = await run(engine, AddProduct("KB-1", "Keyboard", "", "input", Decimal("1"), 0))
    id = added.aggregate_id
    other_engine = create_engine(url)  # another session of the same store
    writer = other_engine.sync_engine
    statements = 0

    def meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        """Before the second statement reading the log, as if between two snapshots: three
        commands commit and the relay publishes all but the last of the log."""
        nonlocal statements
        if "events" not in statement or "INSERT" in statement or "UPDATE" in statement:
            return
        statements += 1
        if statements != 2:
            return
        with writer.connect() as other:
            for quantity in (1, 2, 3):
                other.execute(events.insert().values(_event(id, quantity + 1)))
            last = other.scalar(select(func.max(events.c.position)))
            other.execute(update(events).where(events.c.position < last)
                          .values(published_at=func.current_timestamp()))
            other.commit()

    reader = create_engine(url, for_reading=True)  # as the status monitor reads the log
    event.listen(reader.sync_engine, "before_cursor_execute", meanwhile)
    try:
        backlog = await outbox.backlog(reader, 0)
        await outbox.backlog(reader, 0)  # a second read: the hook's commits land before it
    finally:
        event.remove(reader.sync_engine, "before_cursor_execute", meanwhile)
        await reader.dispose()
        await other_engine.dispose()
    relay = backlog.first_unpublished - 1 if backlog.first_unpublished else backlog.head
    assert relay <= backlog.head
    assert backlog.after <= backlog.head


def _event(aggregate_id: str, version: int) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": "ProductRestocked", "schema_version": 1,
        "aggregate_type": "Product", "aggregate_id": aggregate_id, "aggregate_version": version,
        "occurred_at": datetime.now(UTC), "payload": {"quantity": 1, "stock": version - 1},
    }
