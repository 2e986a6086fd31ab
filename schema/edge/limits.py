"""The bounds at the edge: what one request, operation or connection may ask for. Each is a
setting (diptych/settings.py, the README's settings table); schema/edge/measure.py measures an
operation against the first five, schema/edge/guard.py enforces them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Every bound at the edge; each is a setting (see diptych/settings.py and the README)."""

    max_depth: int = 10
    max_aliases: int = 15
    max_directives: int = 50
    max_tokens: int = 1000
    max_cost: int = 5000
    max_body_bytes: int = 1_000_000
    document_cache_bytes: int = 2_000_000
    answer_cache_bytes: int = 64_000_000  # schema/edge/answer_cache.py; 0 keeps no answer
    answer_max_bytes: int = 2_000_000
    query_timeout: float = 10.0
    caught_up_timeout: float = 5.0
    max_waits: int = 10
    ws_init_timeout: float = 10.0
    max_subscriptions: int = 20


DEFAULT_LIMITS = Limits()


DEFAULT_LIMITS = Limits()
