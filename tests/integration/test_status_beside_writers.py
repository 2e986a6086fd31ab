"""On the embedded store, the projection status reads beside a writer: a command holding SQLite's
write lock does not make `projectionStatus` or /metrics wait for it, or fail."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from diptych.bootstrap import run_services
from diptych.settings import Settings
from write.sqlalchemy.migrate import upgrade


async def test_the_status_is_read_while_another_writer_holds_the_store(tmp_path: Path) -> None:
    settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)})
    await upgrade(settings.database_url)
    async with run_services(settings, with_workers=False) as services:
        assert services.status is not None
        writer = sqlite3.connect(tmp_path / "diptych.db", isolation_level=None, timeout=0)
        try:
            writer.execute("BEGIN IMMEDIATE")  # a command's transaction, held open
            status = await asyncio.wait_for(services.status.status(), 30)
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert (status.head_position, status.lag_events) == (0, 0)
