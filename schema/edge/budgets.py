"""What each caller may spend: every operation's static cost (schema/edge/measure.py) is charged to
its caller in a leaky bucket that drains at the caller's allowance per minute.

Callers are keyed by the token's user (customers), by role (admins, unlimited by default) or by
client address (anonymous; behind a proxy, uvicorn's forwarded-header handling gives the real
one). `MemoryBudgets` keeps the buckets in this process (the embedded default: one process);
with several replicas, schema/edge/budgets_redis.py keeps them in Redis, shared by all.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from schema.access.authentication import Principal, Role

MAX_CALLERS = 100_000  # buckets kept; the least recently charged go first (and start full)


@dataclass(frozen=True)
class Allowances:
    """Points per minute by role; 0 means unlimited."""

    anonymous: int = 1_000
    customer: int = 10_000
    admin: int = 0

    def of(self, role: Role) -> int:
        return {Role.ANONYMOUS: self.anonymous, Role.CUSTOMER: self.customer,
                Role.ADMIN: self.admin}[role]


@dataclass(frozen=True)
class Charge:
    allowed: bool
    limit: int  # points per minute; 0: unlimited
    remaining: int
    reset_at: float  # seconds since the epoch when the bucket is empty again
    retry_after: int = 0  # seconds, when refused


class Budgets(Protocol):
    async def charge(self, principal: Principal, client: str | None, cost: int) -> Charge: ...


class MemoryBudgets:
    def __init__(self, allowances: Allowances = Allowances()) -> None:
        self.allowances = allowances
        self._levels: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key: level, at
        self._lock = threading.Lock()

    async def charge(self, principal: Principal, client: str | None, cost: int) -> Charge:
        limit = self.allowances.of(principal.role)
        now = time.time()
        if limit == 0:
            return Charge(True, 0, 0, now)
        key = caller(principal, client)
        rate = limit / 60.0  # points drained per second
        with self._lock:
            level, at = self._levels.pop(key, (0.0, now))
            level = max(0.0, level - (now - at) * rate)
            allowed = level + cost <= limit
            if allowed:
                level += cost
            self._levels[key] = (level, now)
            while len(self._levels) > MAX_CALLERS:
                self._levels.popitem(last=False)
        retry = 0 if allowed else math.ceil((level + cost - limit) / rate)
        return Charge(allowed, limit, int(limit - level), now + level / rate, retry)


def caller(principal: Principal, client: str | None) -> str:
    if principal.user_id:
        return f"user:{principal.user_id}"
    if principal.role is Role.ADMIN:
        return "admin"
    return f"address:{client or 'unknown'}"
