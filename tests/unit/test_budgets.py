"""Every operation's cost is charged to its caller; over budget is a 429 that says when to come
back, and every answer tells the caller where they stand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from diptych.bootstrap import create_app
from diptych.keys import issue_token, open_verifier
from diptych.settings import Settings
from read.freshness.visibility_feed import VisibilityFeed
from schema.access.authentication import ANONYMOUS, Principal, Role
from schema.app import build_schema
from schema.context import Context, Services
from schema.edge.budgets import MAX_CALLERS, Allowances, MemoryBudgets
from tests.unit.memory_index import MemoryIndex
from tests.unit.test_graphql_over_http import RefusingDispatcher

PRODUCT = '{ product(id: "p-1") { id name } }'  # costs 1


async def test_a_bucket_drains_at_the_allowance_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("schema.edge.budgets.time.time", lambda: now[0])
    budgets = MemoryBudgets(Allowances(anonymous=60))  # one point a second
    assert (await budgets.charge(ANONYMOUS, "10.0.0.1", 50)).remaining == 10
    refused = await budgets.charge(ANONYMOUS, "10.0.0.1", 20)
    assert (refused.allowed, refused.retry_after) == (False, 10)
    assert (await budgets.charge(ANONYMOUS, "10.0.0.2", 20)).allowed  # another address
    now[0] += 10
    assert (await budgets.charge(ANONYMOUS, "10.0.0.1", 20)).allowed


async def test_customers_are_charged_by_user_and_admins_are_unlimited_by_default() -> None:
    budgets = MemoryBudgets(Allowances(customer=100))
    ada = Principal(Role.CUSTOMER, "ada")
    assert (await budgets.charge(ada, "10.0.0.1", 80)).allowed
    assert not (await budgets.charge(ada, "10.0.0.9", 80)).allowed  # the same user from elsewhere
    admin = await budgets.charge(Principal(Role.ADMIN), None, 10**9)
    assert admin.allowed and admin.limit == 0


async def test_the_buckets_kept_are_bounded() -> None:
    budgets = MemoryBudgets(Allowances(anonymous=10))
    for n in range(MAX_CALLERS + 10):
        await budgets.charge(ANONYMOUS, f"a{n}", 1)
    assert len(budgets._levels) == MAX_CALLERS


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path),
                                  "DIPTYCH_BUDGET_ANONYMOUS": "3", "DIPTYCH_BUDGET_CUSTOMER": "5"})
    services = Services(dispatch=RefusingDispatcher(), index=MemoryIndex(),
                        feed=VisibilityFeed(), consistency_timeout=1, limits=settings.limits,
                        verifier=open_verifier(settings),
                        budgets=MemoryBudgets(settings.allowances))
    with TestClient(create_app(services, settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_over_budget_is_a_429_with_retry_after_and_the_headers_count_down(
    client: TestClient,
) -> None:
    answers = [client.post("/graphql", json={"query": PRODUCT}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"3"}
    refused = answers[3]
    assert int(refused.headers["retry-after"]) >= 1
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert refused.json()["extensions"]["cost"]["remaining"] == 0


def test_a_signed_in_customer_has_a_budget_of_their_own(client: TestClient, tmp_path: Path) -> None:
    for _ in range(3):
        client.post("/graphql", json={"query": PRODUCT})  # the address's budget is spent
    token = issue_token(Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)}), "customer",
                        "ada", 60)
    signed_in = client.post("/graphql", json={"query": PRODUCT},
                            headers={"authorization": f"Bearer {token}"})
    assert signed_in.status_code == 200 and signed_in.headers["x-ratelimit-limit"] == "5"


async def test_a_subscription_over_budget_is_refused_with_the_same_code() -> None:
    services = Services(dispatch=RefusingDispatcher(), index=MemoryIndex(),
                        feed=VisibilityFeed(), consistency_timeout=1,
                        budgets=MemoryBudgets(Allowances(anonymous=1)))
    schema = build_schema()
    query = "subscription { documentChanged(type: PRODUCT, ids: [\"p-1\"]) { id } }"  # costs 2
    stream = await schema.subscribe(query, context_value=Context(services=services,
                                                                  client="10.0.0.1"))
    first = await anext(stream)
    errors = getattr(first, "errors", None) or []
    assert [e.extensions["code"] for e in errors] == ["RATE_LIMITED"]
