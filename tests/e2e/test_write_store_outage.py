"""Queries are answered from the index alone: they keep working while the write store is down."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from tests.e2e import queries as q
from tests.e2e.server import Server, start
from tests.e2e.tcp_proxy import TcpProxy
from tests.postgres import create_database, drop_database


@pytest.fixture
def database_name(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    url = asyncio.run(create_database(postgres_url, "e2e"))
    yield str(make_url(url).database)
    asyncio.run(drop_database(url))


def test_queries_keep_answering_when_the_write_database_is_unreachable(
    postgres_url: str, database_name: str, tmp_path: Path
) -> None:
    target = urlsplit(postgres_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    url = make_url(postgres_url).set(port=proxy.port, database=database_name)
    server: Server = start(
        tmp_path,
        env={"DIPTYCH_DATABASE_URL": url.render_as_string(hide_password=False)},
    )
    try:
        user = server.graphql(q.REGISTER, name="Offline Reader", email="offline@example.com")
        token = user["data"]["registerUser"]["consistencyToken"]
        user_id = user["data"]["registerUser"]["id"]
        assert server.graphql(q.USER, id=user_id, token=token)["data"]["user"]["id"] == user_id

        proxy.cut()

        refused = server.graphql(q.REGISTER, name="Too Late", email="late@example.com")
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "WRITE_STORE_UNAVAILABLE"
        still = server.graphql(q.USER, id=user_id, token=token)
        assert "errors" not in still
        assert still["data"]["user"]["email"] == "offline@example.com"
        listed = server.graphql(q.USERS, search="offline")["data"]["users"]
        assert [e["node"]["id"] for e in listed["edges"]] == [user_id]
    finally:
        server.stop()
        proxy.close()
