"""The migrations build exactly the tables write/sqlalchemy/tables.py describes, on both stores:
adding a table means adding its migration (docs/architecture.md, "Adding an aggregate")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.postgres import fresh_database
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.migrate import upgrade
from write.sqlalchemy.tables import metadata


def _differences(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_store_matches_the_tables_the_code_maps(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A store not migrated at all: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/write.db"
        return
    async with fresh_database(request.getfixturevalue("postgres_url"), "migrating") as url:
        yield url


async def test_a_store_with_orders_in_it_migrates_to_the_newest_tables(empty_url: str) -> None:
    await upgrade(empty_url, "0002")
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:  # an order refers to a product, as in use
            await connection.execute(text(
                "INSERT INTO users VALUES ('u1', 'Ada', 'ada@example.com', 'ada@example.com', "
                "'active', 1)"))
            await connection.execute(text(
                "INSERT INTO products VALUES ('p1', 'KB-1', 'Keyboard', '', 'input', 9.5, 2, "
                "'active', 2)"))
            await connection.execute(text(
                "INSERT INTO orders VALUES ('o1', 'u1', 'placed', 9.5, 1, CURRENT_TIMESTAMP, 1)"))
            await connection.execute(text(
                "INSERT INTO order_lines VALUES ('o1', 1, 'p1', 'KB-1', 'Keyboard', 'input', "
                "9.5, 1)"))
        await upgrade(empty_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            kept = (await connection.execute(text("SELECT sku, stock FROM products"))).one()
        assert tuple(kept) == ("KB-1", 2)
    finally:
        await engine.dispose()
