"""Throwaway PostgreSQL databases: each test that writes gets one of its own, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import make_url


async def _admin(server_url: str, sql: str) -> None:
    """Run `sql` connected to the server's maintenance database (never the one it drops)."""
    admin = make_url(server_url).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def create_database(server_url: str, purpose: str = "test") -> str:
    """A new empty database on the server of `server_url`; returns its SQLAlchemy async URL."""
    name = f"diptych_{purpose}_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    name = make_url(url).database
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def fresh_database(server_url: str, purpose: str = "test") -> AsyncIterator[str]:
    """`create_database`, dropped again on exit."""
    url = await create_database(server_url, purpose)
    try:
        yield url
    finally:
        await drop_database(url)
