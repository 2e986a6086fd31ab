"""Keyword ranges for tantivy, which has no range query on text: the strings sorting after (or
before) a value, as a few small regular expressions over the term dictionary plus exact terms.

One clause per character position keeps each expression flat and small; a single nested pattern
exceeds tantivy's regex limits (1,000 automaton states) for values of a few dozen characters.
Terms are UTF-8 bytes, whose order is the order of code points, which is Python's `str` order.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CODE_POINT = 0x10FFFF


@dataclass(frozen=True)
class TermRange:
    """Matches a term when any pattern matches it whole, or it is one of `exact`."""

    patterns: tuple[str, ...]
    exact: tuple[str, ...] = ()


def _literal(text: str) -> str:
    return "".join(f"\\x{{{ord(c):X}}}" for c in text)


def _span(low: int, high: int) -> str:
    return f"[\\x{{{low:X}}}-\\x{{{high:X}}}]"


def greater_than(value: str) -> TermRange:
    """Strings > value: value followed by more, or bigger at the first differing character."""
    patterns = [f"(?s){_literal(value)}.+"]
    for i, c in enumerate(value):
        if ord(c) < MAX_CODE_POINT:
            patterns.append(f"(?s){_literal(value[:i])}{_span(ord(c) + 1, MAX_CODE_POINT)}.*")
    return TermRange(tuple(patterns))


def less_than(value: str) -> TermRange:
    """Strings < value: a proper prefix of value, or smaller at the first differing character."""
    patterns = [
        f"(?s){_literal(value[:i])}{_span(0, ord(c) - 1)}.*"
        for i, c in enumerate(value)
        if ord(c) > 0
    ]
    return TermRange(tuple(patterns), tuple(value[:i] for i in range(len(value))))
