"""Keyword ranges for tantivy: the strings sorting after (or before) a value, as regular expressions
over the term dictionary. Terms are UTF-8, whose byte order is code point order: Python's `str`.

Tantivy's Python binding has no range query on text (`Query.range_query` refuses `FieldType.Text`,
and the query parser's range bounds cannot hold a space), so "s > v" is spelled "s shares v[:i],
then has a bigger character at i" for some i. Tantivy's regex engine allows 250 nested groups and
1,000 automaton states per expression, and compiles in time proportional to its states:

- Positions nest, `v0(?:v1(?:...)|[>v1])|[>v0]`: an expression grows by a few bytes a character,
  not by the whole prefix again (`_LEVEL` positions a group keeps the nesting shallow).
- Every branch ends in one shared `.*`. Bigger characters that differ in their lead byte would
  cost each position two or three states more, so those classes (a few dozen at most) are reached
  through copies of the nesting that run in lockstep with it and end in the class, once.
- A value too long for one expression is cut into chunks, and each spells the value up to its
  start again. That is the one part growing faster than the value; the cursor bound (800 bytes,
  read/query/cursors.py) keeps it to a handful of chunks, so the patterns of any accepted value stay
  within a small constant times its length (tests/unit/test_read_keyword_ranges.py).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CODE_POINT = 0x10FFFF
SURROGATES = (0xD800, 0xDFFF)
BANDS = (0, 0x80, 0x800, 0x10000, MAX_CODE_POINT + 1)  # where each UTF-8 length starts
_LEVEL = 2  # positions per nesting group: wider groups nest less deep but compile slower
_MAX_POSITIONS = _LEVEL * 70  # a group nests 3 levels deep: 210 of the parser's 250
_STATE_BUDGET = 900  # of tantivy's 1,000: the shared tails take a few dozen
_EXTRA_STATES = (0, 0, 2, 2, 4)  # by UTF-8 length: a position's states beyond its bytes,
# measured by compiling long values of every kind of character (with room to spare)
_LEAD_BLOCK = (0, 0, 0x3F, 0xFFF, 0x3FFFF)  # by UTF-8 length: the bits below the lead byte's
_ANY = "."
_END = None  # the copy matching exactly a prefix of the value: no `.*` after it

Copy = str | None  # what follows a copy's nesting: its shared class, "" (own classes) or _END


@dataclass(frozen=True)
class TermRange:
    """Matches a term when any pattern matches it whole."""

    patterns: tuple[str, ...]


def greater_than(value: str) -> TermRange:
    """Strings > value: value followed by more, or bigger at the first differing character."""
    exits: list[dict[Copy, str]] = []
    for c in value:
        code, (_, last, length) = ord(c), _band(ord(c))
        own = last if length <= 2 else min(code | _LEAD_BLOCK[length], last)
        exits.append(_exits((code + 1, own), (own + 1, last), (last + 1, MAX_CODE_POINT)))
    exits.append({_ANY: ""})
    return TermRange(_patterns(value, exits))


def less_than(value: str) -> TermRange:
    """Strings < value: a proper prefix of value, or smaller at the first differing character."""
    exits: list[dict[Copy, str]] = []
    for c in value:
        code, (first, _, length) = ord(c), _band(ord(c))
        own = first if length <= 2 else max(code & ~_LEAD_BLOCK[length], first)
        here: dict[Copy, str] = {_END: ""}  # the value's first `i` characters, exactly
        here.update(_exits((own, code - 1), (first, own - 1), (0, first - 1)))
        exits.append(here)
    return TermRange(_patterns(value, exits))


def _exits(own: tuple[int, int], *shared: tuple[int, int]) -> dict[Copy, str]:
    """A position's bigger (or smaller) characters: those differing from its own in a
    continuation byte in its own class, the rest (other lead bytes) in shared ones."""
    here: dict[Copy, str] = {}
    if (span := _span(*own)) is not None:
        here[""] = span
    for piece in shared:
        if (span := _span(*piece)) is not None:
            here[span] = ""
    return here


def _patterns(value: str, exits: list[dict[Copy, str]]) -> tuple[str, ...]:
    chunks = _chunks(value, exits)
    return tuple(_pattern(value, a, exits[a:b]) for a, b in chunks if any(exits[a:b]))


def _chunks(value: str, exits: list[dict[Copy, str]]) -> list[tuple[int, int]]:
    """Consecutive position ranges, each within one expression's budget of states."""
    chunks, start, prefix = [], 0, 0
    while start < len(exits):
        stop, cost = start, prefix
        while stop < len(exits) and stop - start < _MAX_POSITIONS:
            step = _cost(value[stop]) if stop < len(value) else 0
            if stop > start and cost + step > _STATE_BUDGET:
                break
            cost, stop = cost + step, stop + 1
        chunks.append((start, stop))
        prefix += sum(_band(ord(c))[2] for c in value[start:stop])
        start = stop
    return chunks


def _cost(c: str) -> int:
    length = _band(ord(c))[2]
    return length + _EXTRA_STATES[length]


def _pattern(value: str, start: int, exits: list[dict[Copy, str]]) -> str:
    copies: dict[Copy, dict[int, str]] = {}
    for offset, here in enumerate(exits):
        for copy, text in here.items():
            copies.setdefault(copy, {})[start + offset] = text
    open_ended = [_nest(value, start, at) + copy for copy, at in copies.items() if copy is not _END]
    branches = [f"(?:{'|'.join(open_ended)}).*"] if open_ended else []
    if _END in copies:
        branches.append(_nest(value, start, copies[_END]))
    return f"(?s){_literal(value[:start])}(?:{'|'.join(branches)})"


def _nest(value: str, start: int, exits: dict[int, str]) -> str:
    """Matches value[start:i] + exits[i] for each position i, `_LEVEL` positions a group."""
    inner: str | None = None
    for level in reversed(range(start, max(exits) + 1, _LEVEL)):
        branches = [
            _literal(value[level:i]) + exits[i]
            for i in range(level, level + _LEVEL) if i in exits
        ]
        if inner is not None:
            branches.append(_literal(value[level : level + _LEVEL]) + inner)
        inner = f"(?:{'|'.join(branches)})"
    assert inner is not None, "a copy exists only for its exits"
    return inner


def _band(code: int) -> tuple[int, int, int]:
    """The first and last code point of `code`'s UTF-8 length, and that length."""
    length = next(i for i in range(1, len(BANDS)) if code < BANDS[i])
    return BANDS[length - 1], BANDS[length] - 1, length


def _literal(text: str) -> str:
    """Escapes ASCII punctuation, space and controls: the regex syntax is all in ASCII."""
    return "".join(c if c.isalnum() or not c.isascii() else f"\\x{{{ord(c):X}}}" for c in text)


def _span(low: int, high: int) -> str | None:
    """A class of code points, None if empty. Its ends step over the surrogates, which tantivy's
    regex refuses (no UTF-8 string holds one, so no term can)."""
    if SURROGATES[0] <= low <= SURROGATES[1]:
        low = SURROGATES[1] + 1
    if SURROGATES[0] <= high <= SURROGATES[1]:
        high = SURROGATES[0] - 1
    if low > high:
        return None
    return f"[\\x{{{low:X}}}-\\x{{{high:X}}}]"
