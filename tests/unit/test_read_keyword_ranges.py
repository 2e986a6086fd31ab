"""The keyword-range patterns, checked against Python's string order, and against tantivy's limits.

Python's `re` is the oracle: the patterns use the `\\x{HEX}` escape of tantivy's regex dialect,
which is translated to Python's `\\UXXXXXXXX` before compiling. Tantivy's own engine runs the same
patterns in the paging contract (tests/contracts/index_paging_contract.py, run by
tests/integration/test_tantivy_index.py); here it only compiles them.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest
import tantivy

from read.query.cursors import MAX_SORT_STRING, MAX_SORT_STRING_BYTES
from read.tantivy.tantivy_text import SURROGATES, TermRange, greater_than, less_than

ALPHABET = ["a", "b", "\x00", "ä", "\n"]
STRINGS = ["".join(chars) for n in range(4) for chars in itertools.product(ALPHABET, repeat=n)]
OUTSIDE = ["c", "\U0010ffff", "a\U0010ffff", "ä\x00ä\x00", "bbbb", "\x00\x00\x00\x00"]
# Where UTF-8 changes length or lead byte, and around the surrogates no term can hold.
EDGES = [0, 1, 0x7E, 0x7F, 0x80, 0x81, 0xBF, 0xC0, 0x7FF, 0x800, 0x801, 0xFFF, 0x1000, 0xD7FF,
         0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10001, 0x3FFFF, 0x40000, 0x10FFFE, 0x10FFFF]


def to_python(pattern: str) -> re.Pattern[str]:
    escaped = re.sub(r"\\x\{([0-9A-F]+)\}", lambda m: f"\\U{int(m[1], 16):08X}", pattern)
    return re.compile(escaped)


def matching(terms: TermRange, candidates: list[str] = STRINGS + OUTSIDE) -> set[str]:
    compiled = [to_python(p) for p in terms.patterns]
    return {s for s in candidates if any(c.fullmatch(s) for c in compiled)}


@pytest.mark.parametrize("value", STRINGS, ids=ascii)
def test_greater_than_matches_exactly_the_strings_that_sort_after_the_value(value: str) -> None:
    assert matching(greater_than(value)) == {s for s in STRINGS + OUTSIDE if s > value}


@pytest.mark.parametrize("value", STRINGS, ids=ascii)
def test_less_than_matches_exactly_the_strings_that_sort_before_the_value(value: str) -> None:
    assert matching(less_than(value)) == {s for s in STRINGS + OUTSIDE if s < value}


def random_character(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return chr(rng.choice(EDGES))
    if roll < 0.5:
        return chr(rng.randrange(0x20, 0x7F))
    code = rng.randrange(0, 0x110000)
    return chr(code) if not SURROGATES[0] <= code <= SURROGATES[1] else "\ufffd"


@pytest.mark.parametrize("seed", range(20))
def test_random_values_split_random_strings_exactly_as_python_orders_them(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(10):
        value = "".join(random_character(rng) for _ in range(rng.randrange(0, 60)))
        # Candidates share a prefix with the value, so they differ from it anywhere along it.
        candidates = [
            value[: rng.randrange(0, len(value) + 1)]
            + "".join(random_character(rng) for _ in range(rng.randrange(0, 3)))
            for _ in range(40)
        ] + [value, value + "\x00", value + "\U0010ffff"]
        assert matching(greater_than(value), candidates) == {s for s in candidates if s > value}
        assert matching(less_than(value), candidates) == {s for s in candidates if s < value}


def test_nothing_sorts_before_the_empty_string() -> None:
    assert less_than("") == TermRange(patterns=())


def test_the_largest_code_point_still_has_longer_strings_after_it() -> None:
    assert matching(greater_than("\U0010ffff")) == set()
    assert matching(greater_than("\U0010ffff"), ["\U0010ffffa"]) == {"\U0010ffffa"}


def longest(character: str) -> str:
    """The longest value of one character that the cursor bound accepts."""
    return character * min(MAX_SORT_STRING, MAX_SORT_STRING_BYTES // len(character.encode()))


@pytest.mark.parametrize("character", ["a", "\x00", "\x7f", "é", "\uffff", "🍎", "\U00010000",
                                       "\U0010ffff"], ids=ascii)
def test_values_long_enough_to_be_cut_into_chunks_still_split_strings_exactly(
    character: str,
) -> None:
    value = longest(character)
    assert len(greater_than(value).patterns) > 1 or len(less_than(value).patterns) > 1
    others = [chr(c) for c in EDGES if chr(c) != character][::4]
    candidates = [value[:i] for i in range(len(value) + 1)] + [
        value[:i] + other for i in (0, 1, len(value) // 2, len(value) - 1, len(value))
        for other in others
    ]
    assert matching(greater_than(value), candidates) == {s for s in candidates if s > value}
    assert matching(less_than(value), candidates) == {s for s in candidates if s < value}


@pytest.mark.parametrize("character", ["a", " ", "\x00", "é", "€", "\uffff", "🍎", "\U0010ffff"],
                         ids=ascii)
def test_the_patterns_grow_linearly_with_the_value(character: str) -> None:
    """The flat patterns this replaced spelled the whole prefix once per character: 178 bytes a
    character for 50 ASCII characters, 628 for 200, 2,450 for 800. These stay near 20 to 70."""
    value = longest(character)
    for build in (greater_than, less_than):
        for n in (1, 10, 50, 100, 200, len(value)):
            size = sum(len(p.encode()) for p in build(value[:n]).patterns)
            assert size < 80 * n + 100, (build.__name__, n, size)


def compiled_by_tantivy(terms: TermRange) -> int:
    schema = tantivy.SchemaBuilder().add_text_field("k", fast=True, tokenizer_name="raw").build()
    return len([tantivy.Query.regex_query(schema, "k", p) for p in terms.patterns])


@pytest.mark.parametrize("character", ["a", "\x00", "\x7f", "é", "\u07ff", "\u0800", "€", "\ud7ff",
                                       "\ue000", "\uffff", "🍎", "\U00010000", "\U0010ffff"],
                         ids=ascii)
def test_the_longest_accepted_values_fit_tantivys_regex_limits(character: str) -> None:
    """1,000 states and 250 nested groups per expression: a pattern over them fails the search."""
    for build in (greater_than, less_than):
        assert 1 <= compiled_by_tantivy(build(longest(character))) <= 8


@pytest.mark.parametrize("seed", range(6))
def test_the_longest_accepted_mixed_values_fit_tantivys_regex_limits(seed: int) -> None:
    rng = random.Random(seed)
    value = ""
    while len(value) < MAX_SORT_STRING:
        character = random_character(rng)
        if len((value + character).encode()) > MAX_SORT_STRING_BYTES:
            break
        value += character
    for build in (greater_than, less_than):
        assert compiled_by_tantivy(build(value)) <= 8
