"""Keyword ranges for tantivy, which has no range query on text: a regular expression over the
term dictionary that matches exactly the strings sorting after (or before) a value.

Terms are UTF-8 bytes, whose order is the order of code points, which is Python's `str` order.
"""

from __future__ import annotations

MAX_CODE_POINT = 0x10FFFF


def _char(c: str) -> str:
    return f"\\x{{{ord(c):X}}}"


def _span(low: int, high: int) -> str:
    return f"[\\x{{{low:X}}}-\\x{{{high:X}}}]"


def greater_than(value: str) -> str:
    """Strings > value: longer with value as prefix, or bigger at the first differing character."""
    pattern = ".+"
    for c in reversed(value):
        branch = f"{_char(c)}(?:{pattern})"
        if ord(c) < MAX_CODE_POINT:
            branch = f"{_span(ord(c) + 1, MAX_CODE_POINT)}.*|{branch}"
        pattern = branch
    return f"(?s)(?:{pattern})"


def less_than(value: str) -> str | None:
    """Strings < value: a proper prefix of value, or smaller at the first differing character.
    None when nothing is smaller (the empty string)."""
    if not value:
        return None
    pattern: str | None = None  # what may follow the characters matched so far; None: nothing
    for c in reversed(value):
        branches = [f"{_span(0, ord(c) - 1)}.*"] if ord(c) > 0 else []
        if pattern is not None:
            branches.append(f"{_char(c)}{pattern}")
        pattern = f"(?:{'|'.join(branches)})?" if branches else ""
    return f"(?s){pattern}"
