"""The write store both ways: every test that asks for `url` or `engine` runs on a migrated SQLite
file and, when PostgreSQL is configured, on a fresh PostgreSQL database too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.postgres import fresh_database
from write.sqlalchemy.database import create_engine
from write.sqlalchemy.migrate import upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty write store: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/write.db"
        await upgrade(url)
        yield url
        return
    async with fresh_database(request.getfixturevalue("postgres_url"), "store") as url:
        await upgrade(url)
        yield url


@pytest.fixture
async def engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    yield engine
    await engine.dispose()
