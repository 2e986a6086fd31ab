"""One active relay per outbox: a lock held for as long as the relay runs.

PostgreSQL: a session advisory lock on a connection of its own, which also LISTENs for the
NOTIFY every command sends on commit, so the relay wakes at once. A heartbeat notices a dead
connection (its lock is gone with it) within seconds. SQLite: an exclusive lock on a file beside
the database (one machine only), with no notifications; the relay polls.

Which lock a process uses is the composition root's choice (diptych/pipeline.py). A lock can be
acquired again after it was released or lost, so the relay supervisor keeps the one it is given.
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

from workers.retry_policies import until_held
from write.sqlalchemy.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
LOCK_KEY = 0x52454C4159  # "RELAY"; any constant shared by every relay of this database
CHANNEL = NOTIFY_CHANNEL
HEARTBEAT = 5.0
# What "cannot reach PostgreSQL right now" looks like; anything else is a bug and propagates.
UNREACHABLE: tuple[type[Exception], ...] = (OSError, asyncpg.PostgresError, TimeoutError)


class RelayLock(Protocol):
    lost: asyncio.Event

    async def acquire(self, stop: asyncio.Event, on_notify: Callable[[], None]) -> bool:
        """Wait until this process holds the lock (True) or `stop` is set (False); while held,
        call `on_notify` whenever a command commits, where the store can tell."""

    async def release(self) -> None: ...


class PostgresRelayLock:
    def __init__(self, database_url: str) -> None:
        # asyncpg takes libpq URLs: postgresql://, not SQLAlchemy's postgresql+asyncpg://
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._on_notify: Callable[[], None] = _nobody
        self._connection: Any = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._standing_by = False
        self.lost = asyncio.Event()

    async def acquire(self, stop: asyncio.Event, on_notify: Callable[[], None]) -> bool:
        self._on_notify, self._standing_by = on_notify, False
        self.lost.clear()
        held: bool = await until_held(stop, UNREACHABLE)(self._try_lock, stop)
        if not held:
            await self._drop_connection()
        return held

    async def _try_lock(self, stop: asyncio.Event) -> bool:
        if stop.is_set():  # set during the pause before this attempt
            return False
        try:
            if self._connection is None:
                self._connection = await asyncpg.connect(self._dsn, timeout=5)
            if not await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                if not self._standing_by:
                    log.info("another relay is active; standing by")
                    self._standing_by = True
                return False
            await self._connection.add_listener(CHANNEL, self._notified)
        except UNREACHABLE:
            await self._drop_connection()  # a fresh connection for the next attempt
            raise
        self._heartbeat = asyncio.create_task(self._beat(), name="relay-heartbeat")
        log.info("this relay is now the active one")
        return True

    async def release(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        await self._drop_connection()  # closing the session releases its advisory lock

    def _notified(self, *args: object) -> None:
        self._on_notify()

    async def _beat(self) -> None:
        # Not a retry loop: the first failed beat means the lock is gone, and the supervisor
        # steps down and competes for it again.
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
        self._standing_by = False
        self.lost = asyncio.Event()  # a file lock is not lost while the process lives

    async def acquire(self, stop: asyncio.Event, on_notify: Callable[[], None]) -> bool:
        # SQLite has no notifications: `on_notify` is never called, the relay polls.
        self._file, self._standing_by = self._path.open("a"), False
        held: bool = await until_held(stop, ())(self._try_lock, stop)
        if not held:
            await self.release()
        return held

    async def _try_lock(self, stop: asyncio.Event) -> bool:
        if stop.is_set():  # set during the pause before this attempt
            return False
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not self._standing_by:
                log.info("another relay holds %s; standing by", self._path)
                self._standing_by = True
            return False
        return True

    async def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None


def _nobody() -> None:
    """Where a notification goes before the lock was ever acquired."""
