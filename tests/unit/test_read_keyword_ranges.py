"""The keyword-range clauses, checked exhaustively against Python's string order.

Python's `re` is the oracle: the patterns use the `\\x{HEX}` escape of tantivy's regex dialect,
which is translated to Python's `\\UXXXXXXXX` before compiling. Tantivy's own engine runs the same
clauses in tests/integration/test_index_contract.py.
"""

from __future__ import annotations

import itertools
import re

import pytest

from read.tantivy_text import TermRange, greater_than, less_than

ALPHABET = ["a", "b", "\x00", "ä", "\n"]
STRINGS = ["".join(chars) for n in range(4) for chars in itertools.product(ALPHABET, repeat=n)]
OUTSIDE = ["c", "\U0010ffff", "a\U0010ffff", "ä\x00ä\x00", "bbbb", "\x00\x00\x00\x00"]


def to_python(pattern: str) -> re.Pattern[str]:
    escaped = re.sub(r"\\x\{([0-9A-F]+)\}", lambda m: f"\\U{int(m[1], 16):08X}", pattern)
    return re.compile(escaped)


def matching(terms: TermRange, candidates: list[str] = STRINGS + OUTSIDE) -> set[str]:
    compiled = [to_python(p) for p in terms.patterns]
    return {
        s for s in candidates if s in terms.exact or any(c.fullmatch(s) for c in compiled)
    }


@pytest.mark.parametrize("value", STRINGS, ids=ascii)
def test_greater_than_matches_exactly_the_strings_that_sort_after_the_value(value: str) -> None:
    assert matching(greater_than(value)) == {s for s in STRINGS + OUTSIDE if s > value}


@pytest.mark.parametrize("value", STRINGS, ids=ascii)
def test_less_than_matches_exactly_the_strings_that_sort_before_the_value(value: str) -> None:
    assert matching(less_than(value)) == {s for s in STRINGS + OUTSIDE if s < value}


def test_nothing_sorts_before_the_empty_string() -> None:
    assert less_than("") == TermRange(patterns=(), exact=())


def test_the_largest_code_point_still_has_longer_strings_after_it() -> None:
    assert matching(greater_than("\U0010ffff")) == set()
    assert matching(greater_than("\U0010ffff"), ["\U0010ffffa"]) == {"\U0010ffffa"}


def test_each_clause_stays_flat_however_long_the_value() -> None:
    value = "Mechanical keyboard with brown switches and a very long name " * 3
    for terms in (greater_than(value), less_than(value)):
        assert all("(?:" not in p for p in terms.patterns)
        assert len(terms.patterns) <= len(value) + 1
