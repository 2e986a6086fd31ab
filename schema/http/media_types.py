"""Which response media type a GraphQL-over-HTTP client accepts (its Accept header)."""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ACCEPTED = {GRAPHQL_RESPONSE: GRAPHQL_RESPONSE, JSON: JSON, "application/*": JSON, "*/*": JSON}


def accepted_type(accept: str | None) -> str | None:
    """The response media type the client prefers, or None when it accepts neither."""
    if not accept:
        return JSON  # the spec's advice for clients that send no Accept header
    best: tuple[float, bool, int] | None = None
    chosen = None
    for rank, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        choice = ACCEPTED.get(media.lower())
        quality = next((_quality(v) for n, _, v in (p.partition("=") for p in params)
                        if n.strip() == "q"), 1.0)
        # Higher quality first, then graphql-response+json, then the order the client wrote.
        key = (quality, choice == GRAPHQL_RESPONSE, -rank)
        if choice is not None and quality > 0 and (best is None or key > best):
            best, chosen = key, choice
    return chosen


def _quality(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 1.0  # a malformed weight: read the media range as wanted
