"""Budgets, audiences and persisted documents over real HTTP against `diptych serve`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.server import Server, mint, start

PRODUCTS = "{ products(first: 2) { edges { node { id } } } }"  # costs 1 + 2 x 2 = 5


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("budgets"), env={
        "DIPTYCH_BUDGET_ANONYMOUS": "15", "DIPTYCH_JWT_AUDIENCE": "diptych"})
    yield running
    assert running.stop() == 0, running.output()


def post(server: Server, body: object, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=30)


def test_an_anonymous_caller_is_told_its_budget_then_refused_with_429(served: Server) -> None:
    answers = [post(served, {"query": PRODUCTS}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.json()["extensions"]["cost"]["requested"] for a in answers[:3]] == [5, 5, 5]
    assert [a.headers["x-ratelimit-remaining"] for a in answers[:3]] == ["10", "5", "0"]
    assert int(answers[3].headers["retry-after"]) >= 1
    assert answers[3].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    admin = post(served, {"query": PRODUCTS}, authorization=f"Bearer {served.token}")
    assert admin.status_code == 200 and "x-ratelimit-limit" not in admin.headers  # unlimited


def test_a_token_for_another_audience_is_refused(served: Server) -> None:
    other = mint(served.data_dir, {**served.env, "DIPTYCH_JWT_AUDIENCE": "another-api"},
                 "--role", "admin")
    response = post(served, {"query": "{ __typename }"}, authorization=f"Bearer {other}")
    assert response.status_code == 401
    assert "audience" in response.json()["errors"][0]["message"].lower()


def test_a_persisted_query_misses_registers_and_is_then_served_by_its_hash(served: Server) -> None:
    query = '{ product(id: "none") { id } }'
    digest = hashlib.sha256(query.encode()).hexdigest()
    by_hash = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    admin = {"authorization": f"Bearer {served.token}"}
    missed = post(served, {"extensions": by_hash}, **admin).json()
    assert missed["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = post(served, {"query": query, "extensions": by_hash}, **admin).json()
    assert registered["data"] == {"product": None}
    hit = httpx.get(f"{served.url}/graphql", params={"extensions": json.dumps(by_hash)},
                    headers=admin, timeout=30)
    assert hit.json()["data"] == {"product": None}
    assert hit.headers["cache-control"] == "private, no-store"  # a signed-in caller's answer
