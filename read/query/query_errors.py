"""The expected failures of a query. The GraphQL layer turns each into an error with a code."""

from __future__ import annotations


class QueryError(Exception):
    code = "BAD_USER_INPUT"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidQuery(QueryError):
    """An argument is out of range or malformed (bad cursor, first > 100, minPrice > maxPrice)."""


class StaleRead(QueryError):
    """The read side did not reflect the write behind a consistency token within the wait."""

    code = "STALE_READ"
