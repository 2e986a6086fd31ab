"""Opaque, stable cursors: the sort values of the last hit on a page, plus the sort they belong to.

A cursor names a position in the order, not an offset, so documents added before it never shift the
next page. A cursor made under one sort cannot be used with another.

A cursor comes back from the client, so it is checked before any index work: the embedded index
turns a string sort value into regular expressions whose cost grows with the value, and a forged
cursor must not get to choose that cost.
"""

from __future__ import annotations

from read import opaque_strings
from read.index import SortValues
from read.query.query_errors import InvalidQuery

NOT_A_CURSOR = "after: not a cursor of this list and sort order"

# The only string sort values are name keys, `name.lower()` (read/*_projection.py), and the write
# side takes names of up to 200 characters (write/input_checks.py: PRODUCT_NAME_MAX; users' are
# shorter). Lower-casing a character gives at most two characters ("İ" -> "i̇") and four bytes.
LONGEST_NAME = 200
MAX_SORT_STRING = 2 * LONGEST_NAME  # characters
MAX_SORT_STRING_BYTES = 4 * LONGEST_NAME  # UTF-8 bytes
# JSON spells such a key in at most 2,400 characters (\uXXXX is 6 for one or two bytes, a pair of
# them 12 for four); with the sort's name and a 64-bit tie-breaker a cursor is at most ~3,300
# base64 characters. The rest is headroom.
MAX_CURSOR_LENGTH = 4096


def encode(sort_name: str, values: SortValues) -> str:
    return opaque_strings.encode([sort_name, list(values)])


def decode(sort_name: str, cursor: str) -> SortValues:
    try:
        name, values = opaque_strings.decode(cursor, MAX_CURSOR_LENGTH)
        valid = (
            name == sort_name
            and isinstance(values, list)
            and len(values) == 2
            and all(fits_a_sort_string(v) for v in values if isinstance(v, str))
        )
    except (ValueError, TypeError):  # not a cursor, or not of two parts
        valid = False
    if not valid:
        raise InvalidQuery(NOT_A_CURSOR, field="after")
    return tuple(values)


def fits_a_sort_string(value: str) -> bool:
    """Whether `value` could be a string sort value: no longer than any name key can be, and
    UTF-8 (JSON can spell a lone surrogate, which no index can hold)."""
    if len(value) > MAX_SORT_STRING:
        return False
    try:
        return len(value.encode()) <= MAX_SORT_STRING_BYTES
    except UnicodeEncodeError:
        return False
