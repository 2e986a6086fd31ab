"""`diptych rebuild` as a real process beside a running `diptych serve` (embedded default: SQLite,
the in-process broker, tantivy): queries and mutations go on over HTTP throughout, none fails
and none reads older data than a query before it, and the rebuilt version is swapped in."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from read.tantivy.tantivy_schema import fingerprint
from read.tantivy.tantivy_versions import FileLock
from tests.e2e import queries as q
from tests.e2e.server import Server, environment, start


def rebuild(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diptych", "rebuild", *args], env=environment(data_dir, {}),
        capture_output=True, text=True, timeout=180,
    )


@dataclass
class Traffic:
    """Writes and reads over HTTP in threads of their own, until stopped."""

    server: Server
    stop: threading.Event = field(default_factory=threading.Event)
    failures: list[str] = field(default_factory=list)
    backwards: list[str] = field(default_factory=list)
    reads: int = 0
    writes: int = 0

    def read(self) -> None:
        seen = 0
        while not self.stop.is_set():
            body = self.call(q.USERS)
            if body is None:
                continue
            total = body["data"]["users"]["totalCount"]
            if total < seen:
                self.backwards.append(f"totalCount {seen} -> {total}")
            seen = max(seen, total)
            self.reads += 1

    def write(self) -> None:
        while not self.stop.is_set():
            made = self.call(q.REGISTER, name="Live", email=f"live{self.writes}@example.com")
            if made is None:
                continue
            registered = made["data"]["registerUser"]
            found = self.call(q.USER, id=registered["id"], token=registered["consistencyToken"])
            if found is not None and found["data"]["user"]["id"] != registered["id"]:
                self.failures.append(f"read-your-write missed {registered['id']}")
            self.writes += 1

    def call(self, query: str, **variables: object) -> dict[str, Any] | None:
        try:
            body = self.server.graphql(query, **variables)
        except (AssertionError, httpx.HTTPError) as error:
            self.failures.append(repr(error))
            return None
        if body.get("errors"):
            self.failures.append(json.dumps(body["errors"]))
            return None
        return body

    def __enter__(self) -> Traffic:
        self._threads = [threading.Thread(target=self.read), threading.Thread(target=self.write)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def test_a_rebuild_beside_a_running_serve_is_swapped_in_while_every_query_succeeds(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    server = start(data_dir, env={"DIPTYCH_CONSISTENCY_TIMEOUT": "20"})
    try:
        for i in range(50):
            made = server.graphql(q.REGISTER, name=f"Seed {i}", email=f"seed{i}@example.com")
            assert made["data"]["registerUser"]["__typename"] == "UserRegistered", made
        with Traffic(server) as traffic:
            done = rebuild(data_dir, "--wait", "60")
        assert done.returncode == 0, done.stdout + done.stderr
        assert traffic.failures == [] and traffic.backwards == []
        assert traffic.reads > 0 and traffic.writes > 0
        total = re.search(r"from the event log \((\d+) events\)", done.stdout)
        assert total and int(total[1]) >= 50, done.stdout  # shown even without a terminal
        assert "taken over by the live projector" in done.stdout, done.stdout
        pointers = json.loads((data_dir / "index" / f"versions-{fingerprint()}.json").read_text())
        assert pointers["read"] == pointers["write"] == f"v-{fingerprint()}-2"
        assert (data_dir / "index" / f"v-{fingerprint()}").is_dir()  # the old one, kept
        final = server.graphql(q.USERS)["data"]["users"]["totalCount"]
        assert final == 50 + traffic.writes
    finally:
        assert server.stop() == 0, server.output()


def test_a_second_rebuild_at_the_same_time_is_refused_in_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    running = FileLock(data_dir / "index" / "rebuild.lock")  # as a rebuild under way holds it
    assert running.try_acquire("pid 4242, started 2026-01-01 00:00:00 UTC")
    try:
        done = rebuild(data_dir)
    finally:
        running.release()
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"diptych rebuild: refused: another rebuild of {(data_dir / 'index').resolve()} is "
        "running (pid 4242, started 2026-01-01 00:00:00 UTC)"
    )
