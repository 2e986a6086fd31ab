"""Attacks on the answer cache (schema/edge/answer_cache.py, answer_reuse.py) against real tantivy:
the schema run directly (build_schema) over a Services that keeps answers, as tests/integration/
test_facets_only_when_asked.py runs it. Each test states a guarantee the cache must keep."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
import strawberry

from read.freshness.consistency import ConsistencyToken
from read.freshness.visibility_feed import VisibilityFeed
from read.index import Upsert
from read.projection.product_documents import PRODUCT
from read.tantivy.tantivy_generations import Generations, Scope
from read.tantivy.tantivy_index import TantivyIndex
from schema.access.authentication import ANONYMOUS, Principal, Role
from schema.app import build_schema
from schema.context import Context, Services
from schema.edge.answer_cache import AnswerCache
from tests.unit.test_schema_mutations import FakeDispatcher

ADMIN = Principal(Role.ADMIN)
PRICE = '{ product(id: "p-1") { id price } }'


def product(id: str, version: int, price: str) -> Upsert:
    cents = int(price.replace(".", ""))
    body = {"id": id, "version": version, "sku": f"SKU-{id}", "name": "Keyboard",
            "description": "Clicky", "category": "input", "price": price, "stock": 3, "sold": 0,
            "status": "active", "added_at": "2026-12-01T12:00:00+00:00", "sources": {},
            "sku_text": f"SKU-{id}", "name_key": "keyboard", "price_cents": cents,
            "added_ms": 1764590400000}
    return Upsert(PRODUCT, id, version, body)


class HeldGenerations(Generations):
    """The real generations, with a gate the writer's thread stops at when it is told of a
    commit: as when the thread that committed and reloaded loses the GIL for a moment before
    its next statement. Everything else is the real tantivy index."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.reached = threading.Event()

    def changed(self, kinds: Iterable[str], scopes: Iterable[Scope] = ()) -> None:
        self.reached.set()
        self.gate.wait(30)
        super().changed(kinds, scopes)


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    await index.open()
    await index.write([product("p-1", 1, "1.00")])
    yield index
    await index.close()


def services(index: TantivyIndex, answers: AnswerCache) -> Services:
    return Services(dispatch=FakeDispatcher(RuntimeError("no commands here")),
                    index=index,
                    feed=VisibilityFeed(), consistency_timeout=2, answers=answers)


async def ask(schema: strawberry.Schema, where: Services, query: str,
              principal: Principal = ADMIN, operation: str | None = None,
              **variables: Any) -> dict[str, Any]:
    result = await schema.execute(query, variable_values=variables or None,
                                  operation_name=operation,
                                  context_value=Context(services=where, principal=principal))
    assert not result.errors, result.errors
    assert result.data is not None
    return result.data


# -- (1) never staler than what the index answers now ---------------------------------------------


async def test_a_kept_answer_is_not_served_once_the_index_answers_a_newer_commit(
    tmp_path: Path,
) -> None:
    """Between the writer's reload and its new generation the index already answers the commit
    (a token's wait is over, a fresh read shows it): no kept answer may look current then (the
    generation is None while a reload runs, tantivy_generations.py)."""
    held = HeldGenerations()
    index = TantivyIndex(tmp_path / "index")
    index._generations = held  # before open(): the writer is given it
    await index.open()
    try:
        await index.write([product("p-1", 1, "1.00")])
        answers = AnswerCache(1_000_000, 100_000)
        where, schema = services(index, answers), build_schema()
        assert (await ask(schema, where, PRICE))["product"]["price"] == "1.00"  # kept
        held.reached.clear()
        held.gate.clear()
        write = asyncio.ensure_future(index.write([product("p-1", 2, "2.00")]))
        try:
            assert await asyncio.to_thread(held.reached.wait, 30)  # committed and reloaded
            token = ConsistencyToken(PRODUCT, "p-1", 2, 0).encode()
            waited = await ask(schema, where, '''query($t: String) {
                product(id: "p-1", consistency: $t) { id price } }''', t=token)
            assert waited["product"]["price"] == "2.00"  # the index answers the commit now
            again = await ask(schema, where, PRICE)
            assert again["product"]["price"] == "2.00", (
                "a kept answer older than what the index answers was served")
        finally:
            held.gate.set()
            await write
    finally:
        await index.close()


# -- (2) a token is always waited for -------------------------------------------------------------


async def test_a_token_the_operation_defaults_to_is_waited_for_whatever_other_operations_declare(
    index: TantivyIndex,
) -> None:
    """Only the running operation's defaults count: another operation of the document declaring
    `$t` without one must not hide the token the one that runs defaults to."""
    token = ConsistencyToken(PRODUCT, "p-1", 1, 0).encode()
    document = f'''
    query Waiting($t: String = "{token}") {{ product(id: "p-1", consistency: $t) {{ id price }} }}
    query Other($t: String) {{ product(id: "p-1", consistency: $t) {{ id }} }}
    '''
    answers = AnswerCache(1_000_000, 100_000)
    where, schema = services(index, answers), build_schema()
    for _ in range(2):
        assert (await ask(schema, where, document, operation="Waiting"))["product"]["id"] == "p-1"
    assert (answers.stats.hits, answers.stats.misses, answers.stats.entries) == (0, 0, 0), (
        f"an operation with a token was looked up or kept: {answers.stats}")


# -- (5) memory bounded by the settings -----------------------------------------------------------


def held_bytes(value: object, seen: set[int]) -> int:
    """What `value` holds in memory, each object once (sys.getsizeof, followed through)."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(held_bytes(k, seen) + held_bytes(v, seen) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        size += sum(held_bytes(item, seen) for item in value)
    elif hasattr(value, "__dict__"):
        size += held_bytes(vars(value), seen)
    return size


async def test_an_anonymous_flood_of_lookups_cannot_hold_more_memory_than_the_bound(
    index: TantivyIndex,
) -> None:
    """Anyone may ask `product(id:)` for ids that do not exist; each distinct id is an answer
    kept. The bound is on the Python objects held (the key's tuple and strings, the entry, the
    answer's dicts, the generations), not on the characters of their JSON."""
    bound = 200_000
    answers = AnswerCache(bound, 100_000)
    where, schema = services(index, answers), build_schema()
    for n in range(4000):
        await ask(schema, where, f'{{ product(id: "x-{n}") {{ id }} }}', principal=ANONYMOUS)
    assert answers.stats.bytes <= bound and answers.stats.evicted > 0  # full, by its count
    held = held_bytes(answers._entries, set())
    assert held <= 2 * bound, f"{held} bytes held for a bound of {bound}"
