"""Shared fixtures: which real backends this run may use.

A test that needs PostgreSQL asks for `postgres_url`. Without DIPTYCH_TEST_POSTGRES_URL it is
skipped with a reason; in CI (CI=true) the URL is required and an unreachable server fails the test
instead of skipping it, so a green CI always means the PostgreSQL path really ran.

A test that needs Elasticsearch asks for `elasticsearch_url`. No cluster can be installed on the CI
machine, so without DIPTYCH_TEST_ELASTICSEARCH_URL it is skipped everywhere, CI included; nothing
stands in for the cluster. Given the URL, an unreachable cluster skips locally and fails in CI.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


DEFAULT_PORTS = {"postgresql+asyncpg": 5432, "amqp": 5672, "http": 9200, "https": 9200,
                 "redis": 6379}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), 2):
            return True
    except OSError:
        return False


def _require_backend(env_var: str, what: str, required_in_ci: bool = True) -> str:
    url = os.environ.get(env_var)
    if not url:
        if IN_CI and required_in_ci:
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


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis URL the tests may use (they namespace their keys)."""
    return _require_backend("DIPTYCH_TEST_REDIS_URL", "Redis")


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """An AMQP URL of a RabbitMQ broker the tests may use (they namespace their names)."""
    return _require_backend("DIPTYCH_TEST_AMQP_URL", "RabbitMQ")


@pytest.fixture(scope="session")
def elasticsearch_url() -> str:
    """An Elasticsearch URL (http://user:password@host:9200) of a cluster on which the tests may
    create and delete indices named `diptych-test-*`. Optional even in CI (see above)."""
    return _require_backend("DIPTYCH_TEST_ELASTICSEARCH_URL", "Elasticsearch", required_in_ci=False)
