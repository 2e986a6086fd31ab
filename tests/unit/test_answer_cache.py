"""The answer cache's bounds and rules (schema/edge/answer_cache.py, answer_reuse.py); what it
serves over HTTP against a real index is tests/e2e/test_answer_cache.py's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from graphql import DocumentNode, OperationDefinitionNode, parse
from starlette.responses import JSONResponse

from read.index import Term
from schema.edge.answer_cache import AnswerCache, Kept, Key, encoded
from schema.edge.answer_reuse import waits_for_token
from schema.edge.read_tracking import Read
from schema.http.kept_answers import answer_body

Told = Callable[[str, Term | None], int | None]


def reads(**kinds: int | None) -> dict[Read, int | None]:
    """Reads of whole kinds, at these generations."""
    return {(kind, None): seen for kind, seen in kinds.items()}


def told(generations: dict[Read, int | None]) -> Told:
    """An index telling these generations (and None for anything else)."""
    return lambda kind, within: generations.get((kind, within))


def data(kept: Kept | None) -> object:
    assert kept is not None
    return json.loads(kept.data)


def key(n: int) -> Key:
    return (f"query {{ products {{ totalCount }} }} # {n}", None, "{}", "admin", None)


def test_an_answer_stands_while_every_kind_it_read_does() -> None:
    cache = AnswerCache(100_000, 10_000)
    generations = reads(product=1, user=7)
    assert cache.put(key(1), {"n": 1}, 1, reads(product=1, user=7))
    assert data(cache.get(key(1), told(generations))) == {"n": 1}
    generations[("user", None)] = 8
    assert cache.get(key(1), told(generations)) is None
    assert cache.stats.entries == 0 and cache.stats.bytes == 0  # dropped, not kept stale
    assert (cache.stats.hits, cache.stats.misses) == (1, 0)  # a miss is the caller's to count


def test_an_index_that_cannot_tell_keeps_nothing() -> None:
    cache = AnswerCache(100_000, 10_000)
    assert not cache.put(key(1), {"n": 1}, 1, reads(product=None))
    assert not cache.put(key(1), {"n": 1}, 1, {})  # read nothing: nothing says when it changes
    assert cache.put(key(1), {"n": 1}, 1, reads(product=3))
    assert cache.get(key(1), lambda kind, within: None) is None


def test_answers_are_bounded_by_bytes_oldest_out_first() -> None:
    cache = AnswerCache(6_000, 4_000)
    assert not cache.put(key(0), {"text": "x" * 5_000}, 1, reads(product=1))  # over one's bound
    for n in range(1, 6):
        assert cache.put(key(n), {"text": "x" * 1_000}, 1, reads(product=1))
    assert cache.stats.bytes <= 6_000 and cache.stats.evicted > 0
    assert cache.get(key(1), told(reads(product=1))) is None  # the oldest went first
    assert data(cache.get(key(5), told(reads(product=1)))) == {"text": "x" * 1_000}


def test_an_answer_is_kept_encoded_and_its_bytes_counted() -> None:
    cache = AnswerCache(1_000_000, 100_000)
    many = {"items": [{"id": str(n), "name": "é"} for n in range(100)]}
    assert cache.put(key(1), many, 7, reads(product=1))
    kept = cache.get(key(1), told(reads(product=1)))
    assert kept is not None and kept.cost == 7 and json.loads(kept.data) == many
    assert cache.stats.bytes > len(kept.data) > 100 * len('{"id":"99","name":"é"}')


def waits(document: DocumentNode, variables: dict[str, object]) -> bool:
    (operation, *_) = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return waits_for_token(document, operation, variables)


def test_a_consistency_argument_given_a_token_is_a_wait() -> None:
    by_variable = parse("query($t: String) { products(consistency: $t) { totalCount } }")
    assert waits(by_variable, {"t": "token"})
    assert not waits(by_variable, {"t": None})
    assert not waits(by_variable, {})
    assert waits(parse('{ products(consistency: "t") { totalCount } }'), {})
    assert not waits(parse("{ products(consistency: null) { totalCount } }"), {})
    defaulted = parse('query($t: String = "t") { products(consistency: $t) { totalCount } }')
    assert waits(defaulted, {})
    in_fragment = parse("query($t: String) { ...F } fragment F on Query { "
                        "orders(consistency: $t) { totalCount } }")
    assert waits(in_fragment, {"t": "token"})


@pytest.mark.parametrize("data", [
    {"products": {"totalCount": 2, "edges": [{"node": {"id": "p-1", "name": "Café ✓ \u2028"}}]}},
    {"salesSummary": [{"start": "2026-01-01", "revenue": "12.30", "groups": []}]},
    {"nothing": None, "nested": [[1.5, -0.0, 1e300], {"": "\\\"quoted\\\""}]},
])
@pytest.mark.parametrize("extensions", [None, {"cost": {"requested": 12, "maximum": 1000}},
                                        {"cost": {"limit": 10, "remaining": 3.5}, "x": "é"}])
def test_a_kept_answer_is_sent_byte_for_byte_as_running_it_would_be(
    data: dict[str, Any], extensions: dict[str, Any] | None,
) -> None:
    body = {"data": data} | ({"extensions": extensions} if extensions else {})
    kept = encoded(data)
    assert kept is not None
    assert answer_body(kept, extensions) == JSONResponse(body).body
