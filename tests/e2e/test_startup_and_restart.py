"""`diptych serve` as an operator meets it: refusals in one line, data kept across restarts."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import queries as q
from tests.e2e.server import free_port, start


def refusal(tmp_path: Path, *args: str, **env: str) -> str:
    """Run `diptych serve`, expect it to refuse, and return its last line of output."""
    done = subprocess.run(
        [sys.executable, "-m", "diptych", "serve", *args],
        env={**os.environ, "DIPTYCH_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    last: str = done.stderr.strip().splitlines()[-1]
    assert last.startswith("diptych: cannot start: "), done.stderr
    return last


@pytest.mark.parametrize(
    ("setting", "value"),
    [("DIPTYCH_PORT", "eighty"), ("DIPTYCH_CONSISTENCY_TIMEOUT", "-3"),
     ("DIPTYCH_DATABASE_URL", "mysql://localhost/db")],
)
def test_a_bad_setting_is_named_in_one_line(tmp_path: Path, setting: str, value: str) -> None:
    assert setting in refusal(tmp_path, **{setting: value})


def test_an_unreachable_write_store_is_named_in_one_line(tmp_path: Path) -> None:
    closed = free_port()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed}/nowhere"
    line = refusal(tmp_path, DIPTYCH_DATABASE_URL=url)
    assert "DIPTYCH_DATABASE_URL" in line and str(closed) in line


def test_an_unreachable_broker_is_named_in_one_line(tmp_path: Path) -> None:
    closed = free_port()
    line = refusal(tmp_path, DIPTYCH_AMQP_URL=f"amqp://guest:secret@127.0.0.1:{closed}/")
    assert "DIPTYCH_AMQP_URL" in line and str(closed) in line and "secret" not in line


def test_a_separate_worker_without_a_broker_says_serve_runs_the_workers(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "diptych", "worker", "projector"],
        env={**os.environ, "DIPTYCH_DATA_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert "DIPTYCH_AMQP_URL" in done.stderr.strip().splitlines()[-1]


def test_a_taken_port_is_reported_with_the_way_out(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = refusal(tmp_path, "--port", str(port))
    assert f"127.0.0.1:{port}" in line and "--port" in line


def test_a_second_service_on_the_same_data_refuses_instead_of_corrupting_it(
    tmp_path: Path,
) -> None:
    first = start(tmp_path)
    try:
        line = refusal(tmp_path, "--port", str(free_port()))
    finally:
        assert first.stop() == 0
    assert "DIPTYCH_INDEX_DIR" in line and "in use" in line


def test_data_survives_a_restart_and_a_lost_index_is_rebuilt_from_the_log(tmp_path: Path) -> None:
    server = start(tmp_path)
    user = server.graphql(q.REGISTER, name="Persistent Pat", email="pat@example.com")
    registered = user["data"]["registerUser"]
    renamed = server.graphql(q.RENAME, id=registered["id"], name="Pat Again")["data"]["renameUser"]
    server.graphql(q.USER, id=registered["id"], token=renamed["consistencyToken"])
    assert server.stop() == 0

    shutil.rmtree(tmp_path / "index")
    again = start(tmp_path)
    try:
        seen = again.graphql(q.USER, id=registered["id"])["data"]["user"]
        assert (seen["name"], seen["version"]) == ("Pat Again", 2)
        found = again.graphql(q.USERS, search="pat")["data"]["users"]
        assert [e["node"]["id"] for e in found["edges"]] == [registered["id"]]
    finally:
        assert again.stop() == 0


def test_a_log_with_an_event_no_projection_knows_is_parked_and_the_service_starts(
    tmp_path: Path,
) -> None:
    """A newer writer's event in the log at start-up: catch-up parks it (never steps over it,
    which would lose it for good) and the service serves everything else."""
    env = {**os.environ, "DIPTYCH_DATA_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "diptych", "migrate"], env=env, check=True,
                   capture_output=True, timeout=60)
    with sqlite3.connect(tmp_path / "diptych.db") as db:
        db.execute(
            "INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, "
            "aggregate_version, occurred_at, payload) VALUES "
            "('00000000-0000-4000-8000-0000000000e1', 'UserNicknamed', 1, 'User',"
            " '00000000-0000-4000-8000-0000000000a1', 1, '2026-12-01 12:00:00', '{}')"
        )
    server = start(tmp_path)
    try:
        parked = server.graphql("{ parkedEvents { eventId type error } }")["data"]
        assert parked["parkedEvents"][0]["type"] == "UserNicknamed"
        assert "older than the writer" in parked["parkedEvents"][0]["error"]
        registered = server.graphql(q.REGISTER, name="Ada", email="ada@example.com")
        assert registered["data"]["registerUser"]["__typename"] == "UserRegistered"
    finally:
        server.stop()
