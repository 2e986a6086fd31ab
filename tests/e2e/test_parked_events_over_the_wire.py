"""A newer writer's event reaches a running `diptych serve`: it is parked, not lost and not
stepped over, the aggregate's later events wait behind it, every other aggregate carries on,
and operators see it over GraphQL and fix it with `diptych parked skip` / `retry`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.e2e import queries as q
from tests.e2e.server import Server, environment, start

USER = "query($id: ID!) { user(id: $id) { name version } }"
STATUS = "{ projectionStatus { parked { count aggregates } sources { source state } } }"
PARKED = "{ parkedEvents { eventId aggregateId aggregateVersion type error } }"


def parked_cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "diptych", "parked", *args],
                          env=environment(server.data_dir, server.env),
                          capture_output=True, text=True, timeout=60)


def until(check: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError("not within the time")


def newer_writer_appends(database: Path, user_id: str) -> str:
    """What a newer write side would do: an event of a type this projector does not know."""
    event_id = str(uuid.uuid4())
    with sqlite3.connect(database) as db:
        db.execute("UPDATE users SET version = 2 WHERE id = ?", (user_id,))
        db.execute(
            "INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, "
            "aggregate_version, occurred_at, payload) VALUES (?, 'UserKnighted', 1, 'User', ?, "
            "2, ?, '{}')", (event_id, user_id, datetime.now(UTC).isoformat()))
    return event_id


def test_an_unknown_event_is_parked_seen_and_skipped_then_its_aggregate_catches_up(
    tmp_path: Path,
) -> None:
    server = start(tmp_path)
    try:
        register = server.graphql(q.REGISTER, name="Ada", email="ada@example.com")
        ada = register["data"]["registerUser"]["id"]
        knighted = newer_writer_appends(tmp_path / "diptych.db", ada)
        renamed = server.graphql(q.RENAME, id=ada, name="Dame Ada")["data"]["renameUser"]
        assert renamed["version"] == 3
        bob = server.graphql(q.REGISTER, name="Bob", email="bob@example.com")
        bob_id = bob["data"]["registerUser"]["id"]

        parked = until(lambda: len(server.graphql(PARKED)["data"]["parkedEvents"]) == 2
                       and server.graphql(PARKED)["data"]["parkedEvents"])
        assert [(p["aggregateVersion"], p["type"]) for p in parked] == [
            (2, "UserKnighted"), (3, "UserRenamed")]
        assert "no projection for event type UserKnighted" in parked[0]["error"]
        until(lambda: server.graphql(USER, id=bob_id)["data"]["user"])  # the rest goes on
        assert server.graphql(USER, id=ada)["data"]["user"] == {"name": "Ada", "version": 1}
        status = server.graphql(STATUS)["data"]["projectionStatus"]
        assert status["parked"] == {"count": 2, "aggregates": 1}
        listed = parked_cli(server, "list")
        assert listed.returncode == 0 and knighted in listed.stdout

        skipped = parked_cli(server, "skip", knighted, "--reason", "rolled the writer back",
                             "--by", "ops@example.com")
        assert skipped.returncode == 0, skipped.stderr
        assert "skipped by ops@example.com: rolled the writer back" in skipped.stderr
        assert parked_cli(server, "retry", ada).returncode == 0

        caught_up = until(lambda: server.graphql(USER, id=ada)["data"]["user"]["version"] == 3
                          and server.graphql(USER, id=ada)["data"]["user"])
        assert caught_up == {"name": "Dame Ada", "version": 3}
        assert server.graphql(STATUS)["data"]["projectionStatus"]["parked"]["count"] == 0
        assert parked_cli(server, "skip", knighted, "--reason", "again").returncode == 1
    finally:
        server.stop()
