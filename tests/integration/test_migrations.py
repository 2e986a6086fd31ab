"""The migrations build exactly the tables write/sqlalchemy/tables.py describes, on both stores:
adding a table means adding its migration (docs/architecture.md, "Adding an aggregate")."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from write.sqlalchemy.tables import metadata


async def test_the_migrated_store_matches_the_tables_the_code_maps(engine: AsyncEngine) -> None:
    def differences(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(sync, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
