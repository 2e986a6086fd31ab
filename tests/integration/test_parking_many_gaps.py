"""Review of #13's projector: a batch whose events have gaps in more than GAP_FILLS (100)
aggregates. `_with_gaps_filled` fills one aggregate per round and gives up after 100 with a
RuntimeError, which is no event's fault to park: the shard consumer retries the batch in place,
every retry starts the fills from scratch (nothing was written), and the shard stops for good.
Such batches come with a changed DIPTYCH_SHARDS (aggregates move to other queues) or a
republished stretch of the log. Real SQLite (and PostgreSQL) and tantivy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from read.projection.user_documents import USER
from read.tantivy.tantivy_index import TantivyIndex
from tests.integration.commands import run
from workers.parking import Parking
from workers.projector import GAP_FILLS, Projector, SqlEventLog
from write.sqlalchemy import outbox
from write.users.user_commands import RegisterUser, RenameUser


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    yield index
    await index.close()


async def test_a_batch_with_gaps_in_more_aggregates_than_gap_fills_is_projected(
    engine: AsyncEngine, index: TantivyIndex
) -> None:
    users = [(await run(engine, RegisterUser(f"User {i}", f"u{i}@example.com"))).aggregate_id
             for i in range(GAP_FILLS + 1)]
    for i, user in enumerate(users):
        await run(engine, RenameUser(user, f"Renamed {i}"))
    log = await outbox.read_log(engine, after=0, limit=1000)
    renames = [e for e in log if e["type"] == "UserRenamed"]  # their registrations come later
    projector = Projector(index, log=SqlEventLog(engine), parking=Parking(engine, engine, 3))

    # Current code: RuntimeError("a batch still has gaps after 100 fills from the log").
    await projector.apply(renames, "shard-0")

    document = await index.get(USER, users[-1])
    assert document is not None and document.body["name"] == f"Renamed {GAP_FILLS}"
