"""Reaching the Elasticsearch cluster: connecting, and telling an outage from a bug.

An unreachable or refusing cluster is `IndexUnavailable`, in one line that names the cluster
without its password; queries answer it with a code of their own. Every other error (a
serialisation error, a 400 on a request built here) is a bug and stays what it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import elastic_transport
from elasticsearch import ApiError, AsyncElasticsearch
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from read.index import IndexUnavailable

# Not every TransportError: a SerializationError is a bug here, not an outage. TLS errors are
# ConnectionErrors.
UNREACHABLE = (elastic_transport.ConnectionError, elastic_transport.ConnectionTimeout)


async def connect(url: str, request_timeout: float) -> AsyncElasticsearch:
    """A client of a cluster that answered; `IndexUnavailable` when it is down or refuses us."""
    client = AsyncElasticsearch(url, request_timeout=request_timeout)
    try:
        try:
            await client.info()
        except ApiError as error:
            raise unavailable(url, error, "refused the connection") from error
        except UNREACHABLE as error:
            raise unavailable(url, error, "is unreachable") from error
    except BaseException:
        await client.close()
        raise
    return client


@contextmanager
def reaching(url: str) -> Iterator[None]:
    """Around requests to the cluster at `url`: an outage becomes `IndexUnavailable`."""
    try:
        yield
    except UNREACHABLE as error:
        raise unavailable(url, error, "is unreachable") from error


def unavailable(url: str, error: object, what: str) -> IndexUnavailable:
    if isinstance(error, elastic_transport.TransportError):
        error = error.message  # the cause, without the nested retries' errors
    reason = (str(error).splitlines() or ["no reason given"])[0]
    return IndexUnavailable(f"Elasticsearch at {redacted(url)} {what}: {reason}")


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs. SQLAlchemy's URL parser finds the
    password wherever it ends (a '/' or '?' in it included); a URL it cannot parse is not shown,
    since nothing then tells where its password ends."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "<a URL that does not parse>"
