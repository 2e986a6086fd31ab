"""While the write store is down, /metrics answers 503 with its reason and what it can still
count, and the projectionStatus field fails with WRITE_STORE_UNAVAILABLE: neither is a bug."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.routing import Route

from diptych.metrics import Metrics
from read.freshness.projection_status import ProjectionStatus
from read.freshness.visibility_feed import VisibilityFeed
from read.index import IndexUnavailable
from schema.access.authentication import Principal, Role
from schema.app import build_schema
from schema.context import Context, Info, Services
from schema.freshness_operations import current_status
from write.command_errors import StoreUnavailable

HEALTHY = ProjectionStatus(
    head_position=7, relay_position=7, projector_position=5, lag_events=2, lag_seconds=0.5,
    unpublished=0, throughput=3.0, stalled=False, checked_at=datetime(2026, 12, 1, tzinfo=UTC),
)


class FakeStatus:
    """The StatusSource protocol, answering a fixed status or raising a fixed error."""

    def __init__(self, outcome: ProjectionStatus | Exception) -> None:
        self.outcome = outcome

    async def status(self) -> ProjectionStatus:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def services(status: FakeStatus) -> Services:
    return Services(dispatch=None, index=None, feed=VisibilityFeed(),  # type: ignore[arg-type]
                    consistency_timeout=1, status=status)


async def scrape(status: FakeStatus) -> httpx.Response:
    app = Starlette(routes=[Route("/metrics", Metrics(services(status)).endpoint)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://diptych") as client:
        return await client.get("/metrics")


DOWN = StoreUnavailable("[Errno 111] Connect call failed ('127.0.0.1', 5432)\nsecond line")


async def test_metrics_answer_503_with_the_reason_while_the_write_store_is_down() -> None:
    response = await scrape(FakeStatus(DOWN))
    assert response.status_code == 503
    first, *rest = response.text.splitlines()
    assert first == "# write store unavailable: [Errno 111] Connect call failed ('127.0.0.1', 5432)"
    assert "diptych_subscribers 0.0" in rest  # what needs no write store is still counted
    assert not any(line.startswith("diptych_log_position") for line in rest)
    assert "second line" not in response.text


async def test_metrics_answer_200_with_every_figure_while_the_write_store_is_up() -> None:
    response = await scrape(FakeStatus(HEALTHY))
    assert response.status_code == 200
    assert 'diptych_log_position{stage="projected"} 5.0' in response.text.splitlines()
    assert "diptych_projection_lag_events 2.0" in response.text.splitlines()


async def test_a_bug_in_the_status_is_not_disguised_as_an_outage() -> None:
    with pytest.raises(KeyError):
        await scrape(FakeStatus(KeyError("a bug")))


def info(status: FakeStatus) -> Info:
    return cast(Info, SimpleNamespace(context=SimpleNamespace(services=services(status))))


async def test_projection_status_fails_as_write_store_unavailable_while_it_is_down() -> None:
    with pytest.raises(GraphQLError) as refused:
        await current_status(info(FakeStatus(DOWN)))
    assert refused.value.extensions == {"code": "WRITE_STORE_UNAVAILABLE"}
    assert "write store cannot be reached" in refused.value.message
    assert refused.value.original_error is DOWN


async def test_projection_status_answers_while_the_write_store_is_up() -> None:
    status = await current_status(info(FakeStatus(HEALTHY)))
    assert (status.head_position, status.lag_events) == (7, 2)


async def test_an_unreachable_index_is_a_503_and_a_coded_error_too() -> None:
    gone = IndexUnavailable("Elasticsearch at http://search:9200 is unreachable")
    response = await scrape(FakeStatus(gone))
    assert response.status_code == 503
    assert response.text.splitlines()[0] == (
        "# index unavailable: Elasticsearch at http://search:9200 is unreachable")
    with pytest.raises(GraphQLError) as refused:
        await current_status(info(FakeStatus(gone)))
    assert refused.value.extensions == {"code": "INDEX_UNAVAILABLE"}


class UnreachableIndex:
    """Every call of the index port fails as an unreachable cluster does."""

    def __getattr__(self, name: str) -> object:
        async def refuse(*args: object, **kwargs: object) -> object:
            raise IndexUnavailable("Elasticsearch at http://search:9200 is unreachable")
        return refuse


async def test_a_query_while_the_index_is_unreachable_says_so_with_a_code() -> None:
    down = Services(dispatch=None, index=UnreachableIndex(),  # type: ignore[arg-type]
                    feed=VisibilityFeed(), consistency_timeout=1)
    context = Context(services=down, principal=Principal(Role.ADMIN))
    result = await build_schema().execute('{ user(id: "x") { id } }', context_value=context)
    assert result.errors and result.errors[0].extensions == {"code": "INDEX_UNAVAILABLE"}
