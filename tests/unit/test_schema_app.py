"""The schema's caches: a repeated query is parsed and validated once, not per request."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.validation_cache import _get_validate_cache

from schema.app import build_schema


async def test_a_repeated_query_is_validated_once() -> None:
    schema = build_schema()
    cache: Any = _get_validate_cache(512)  # an lru_cache wrapper; typed as a plain callable
    query = "query { __typename }"
    await schema.execute(query)
    hits = cache.cache_info().hits
    await schema.execute(query)
    await schema.execute(query)
    assert cache.cache_info().hits == hits + 2
