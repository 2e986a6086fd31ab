"""The budgets of schema/edge/budgets.py in Redis, shared by every API replica.

Why Redis: a bucket is read and written on every operation, by every replica; Redis runs the
leaky bucket atomically in one script, in well under a millisecond, and expires idle buckets
itself, where the write store would take a row lock and a WAL write per query. Its clock (TIME)
is the one clock all replicas share. If Redis cannot be reached the operation is let through
(logged, at most once a minute): budgets protect the service, they must not take it down.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from schema.access.authentication import Principal
from schema.edge.budgets import Allowances, Charge, caller

log = logging.getLogger(__name__)

# KEYS[1]: the bucket. ARGV: limit, points drained a second, cost. Returns allowed, level, now.
LEAKY_BUCKET = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1e6
local limit, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = math.max(0, (tonumber(state[1]) or 0) - (now - (tonumber(state[2]) or now)) * rate)
local allowed = 0
if level + cost <= limit then
  level = level + cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(level / rate) + 1)
return {allowed, tostring(level), tostring(now)}
"""


class RedisBudgets:
    def __init__(self, client: redis.Redis, allowances: Allowances, prefix: str) -> None:
        self.allowances = allowances
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(LEAKY_BUCKET)
        self._warned_at = 0.0

    async def charge(self, principal: Principal, client: str | None, cost: int) -> Charge:
        limit = self.allowances.of(principal.role)
        if limit == 0:
            return Charge(True, 0, 0, time.time())
        rate = limit / 60.0
        key = f"{self._prefix}:budget:{caller(principal, client)}"
        try:
            allowed, raw_level, raw_now = await self._script(keys=[key], args=[limit, rate, cost])
        except (RedisError, OSError) as error:
            self._warn(error)
            return Charge(True, limit, limit, time.time())
        level, now = float(raw_level), float(raw_now)
        retry = 0 if allowed else math.ceil((level + cost - limit) / rate)
        return Charge(bool(allowed), limit, int(limit - level), now + level / rate, retry)

    def _warn(self, error: Any) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("budgets not counted, Redis unreachable: %s", error)
