"""Budgets in a real Redis: one bucket per caller shared by every replica, drained on Redis's
clock, and operations let through (not refused) while Redis is unreachable."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from schema.access.authentication import ANONYMOUS, Principal, Role
from schema.edge.budgets import Allowances
from schema.edge.budgets_redis import RedisBudgets

pytestmark = pytest.mark.redis


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    await connection.aclose()


async def test_two_replicas_share_one_bucket_per_caller(client: redis.Redis) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    one, two = (RedisBudgets(client, Allowances(anonymous=60, customer=100), prefix)
                for _ in range(2))
    assert (await one.charge(ANONYMOUS, "10.0.0.1", 40)).allowed
    refused = await two.charge(ANONYMOUS, "10.0.0.1", 40)  # the other replica sees the spend
    assert not refused.allowed and refused.retry_after >= 19
    assert (await two.charge(ANONYMOUS, "10.0.0.2", 40)).allowed
    ada = await one.charge(Principal(Role.CUSTOMER, "ada"), "10.0.0.1", 100)
    assert ada.allowed and ada.remaining == 0
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    assert len(keys) == 3
    ttls = [await client.ttl(key) for key in keys]
    assert all(0 < ttl <= 101 for ttl in ttls), ttls  # idle buckets expire


async def test_an_unreachable_redis_lets_operations_through() -> None:
    gone = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        charge = await RedisBudgets(gone, Allowances(anonymous=1), "x").charge(
            ANONYMOUS, "10.0.0.1", 50)
    finally:
        await gone.aclose()
    assert charge.allowed
