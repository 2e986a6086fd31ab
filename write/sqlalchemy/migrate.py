"""Brings the write store's schema up to date with Alembic (`diptych migrate`, and on `serve`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from write.sqlalchemy.database import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process that migrates this database.
ADVISORY_LOCK = 0x44495054  # "DIPT"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply every pending migration in one transaction. Replicas starting together on PostgreSQL
    take turns on an advisory lock instead of racing to create the same tables."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})"))

            def run(sync: Connection) -> None:
                command.upgrade(alembic_config(sync), revision)

            await connection.run_sync(run)
    finally:
        await engine.dispose()
