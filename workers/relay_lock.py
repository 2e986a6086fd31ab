"""One active relay per outbox: a lock held for as long as the relay runs.

PostgreSQL: a session advisory lock on a connection of its own, which also LISTENs for the
NOTIFY every command sends on commit, so the relay wakes at once. A heartbeat notices a dead
connection (its lock is gone with it) within seconds. SQLite: an exclusive lock on a file beside
the database (one machine only), with no notifications; the relay polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from sqlalchemy.engine import make_url

from write.sqlalchemy.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
LOCK_KEY = 0x52454C4159  # "RELAY"; any constant shared by every relay of this database
CHANNEL = NOTIFY_CHANNEL
RETRY = 2.0  # seconds between attempts to become the active relay
HEARTBEAT = 5.0


class RelayLock(Protocol):
    lost: asyncio.Event

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this process holds the lock (True) or `stop` is set (False)."""

    async def release(self) -> None: ...


def relay_lock(database_url: str, on_notify: Callable[[], None]) -> RelayLock:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return PostgresRelayLock(dsn, on_notify)
    return FileRelayLock(Path(url.database or "diptych.db").with_suffix(".relay.lock"))


class PostgresRelayLock:
    def __init__(self, dsn: str, on_notify: Callable[[], None]) -> None:
        self._dsn = dsn
        self._on_notify = on_notify
        self._connection: Any = None
        self._heartbeat: asyncio.Task[None] | None = None
        self.lost = asyncio.Event()

    async def acquire(self, stop: asyncio.Event) -> bool:
        waited = False
        while not stop.is_set():
            try:
                if self._connection is None:
                    self._connection = await asyncpg.connect(self._dsn, timeout=5)
                if await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                    await self._connection.add_listener(CHANNEL, self._notified)
                    self._heartbeat = asyncio.create_task(self._beat(), name="relay-heartbeat")
                    log.info("this relay is now the active one")
                    return True
                if not waited:
                    log.info("another relay is active; standing by")
                    waited = True
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                log.warning("relay lock: %s; retrying", error)
                await self._drop_connection()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY)
        await self._drop_connection()
        return False

    async def release(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        await self._drop_connection()  # closing the session releases its advisory lock

    def _notified(self, *args: object) -> None:
        self._on_notify()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self._connection.fetchval("SELECT 1", timeout=HEARTBEAT)
            except Exception as error:
                log.error("relay lock connection lost (%s); stepping down", error)
                self.lost.set()
                return

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close(timeout=5)


class FileRelayLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: Any = None
        self.lost = asyncio.Event()  # a file lock is not lost while the process lives

    async def acquire(self, stop: asyncio.Event) -> bool:
        self._file = self._path.open("a")
        waited = False
        while not stop.is_set():
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if not waited:
                    log.info("another relay holds %s; standing by", self._path)
                    waited = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY)
        await self.release()
        return False

    async def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None
