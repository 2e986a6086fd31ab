"""Shared fixtures: which real backends this run may use.

A test that needs PostgreSQL asks for `postgres_url`. Without DIPTYCH_TEST_POSTGRES_URL it is
skipped with a reason; in CI (CI=true) the URL is required and an unreachable server fails the test
instead of skipping it, so a green CI always means the PostgreSQL path really ran.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return True
    except OSError:
        return False


def _require_backend(env_var: str, what: str) -> str:
    url = os.environ.get(env_var)
    if not url:
        if IN_CI:
            pytest.fail(f"{env_var} is not set; CI must test {what} for real")
        pytest.skip(f"{what} not configured: set {env_var} to run this test")
    if not _reachable(url):
        message = f"{what} at {env_var}={url} is unreachable"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A SQLAlchemy async URL (postgresql+asyncpg://...) of a database the tests may wipe."""
    return _require_backend("DIPTYCH_TEST_POSTGRES_URL", "PostgreSQL")
