"""Opaque, stable cursors: the sort values of the last hit on a page, plus the sort they belong to.

A cursor names a position in the order, not an offset, so documents added before it never shift the
next page. A cursor made under one sort cannot be used with another.
"""

from __future__ import annotations

import base64
import json

from read.errors import InvalidQuery
from read.index import SortValues

NOT_A_CURSOR = "after: not a cursor of this list and sort order"


def encode(sort_name: str, values: SortValues) -> str:
    raw = json.dumps([sort_name, list(values)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(sort_name: str, cursor: str) -> SortValues:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        valid = name == sort_name and isinstance(values, list) and len(values) == 2
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise InvalidQuery(NOT_A_CURSOR, field="after")
    return tuple(values)
