"""The total order every search-index adapter pages through: `(sort value, tie-breaker)`.

Sort values repeat (prices, names, equal scores), so each document also carries a tie-breaker
derived from its identity alone. Every adapter computes it here, so a cursor names the same
position whichever index answered it, and the embedded index keeps the values it already holds.
"""

from __future__ import annotations

import hashlib


def tie_breaker(kind: str, id: str) -> int:
    """A stable signed 64-bit number per document: the last sort key, so ties page stably."""
    digest = hashlib.blake2b(f"{kind}/{id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
