"""Parked events over GraphQL: the admin role lists, replays and skips them; nobody else may,
and bad arguments are refused before the write store is asked anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from read.freshness.visibility_feed import VisibilityFeed
from schema.access.authentication import ANONYMOUS, Principal, Role
from schema.app import build_schema
from schema.context import Context, Services
from tests.unit.memory_index import MemoryIndex
from tests.unit.test_schema_mutations import FakeDispatcher

ADMIN = Principal(Role.ADMIN, "00000000-0000-4000-8000-0000000000ad")
CUSTOMER = Principal(Role.CUSTOMER, "00000000-0000-4000-8000-00000000000a")


@dataclass(frozen=True)
class Record:
    event_id: str = "e-1"
    position: int | None = 7
    aggregate_type: str | None = "User"
    aggregate_id: str | None = "u-1"
    aggregate_version: int | None = 2
    type: str | None = "UserRenamed"
    error: str = "KeyError: 'name'"
    attempts: int = 3
    source: str = "shard-1"
    parked_at: datetime = datetime(2026, 12, 1, tzinfo=UTC)
    retry_requested_at: datetime | None = None


class FakeParked:
    def __init__(self) -> None:
        self.records = [Record(), Record(event_id="e-2", aggregate_version=3, attempts=0)]
        self.calls: list[tuple[Any, ...]] = []

    async def waiting(self, limit: int) -> Sequence[Record]:
        self.calls.append(("waiting", limit))
        return self.records[:limit]

    async def request_retry(self, aggregate_id: str | None) -> int:
        self.calls.append(("retry", aggregate_id))
        return len([r for r in self.records if aggregate_id in (None, r.aggregate_id)])

    async def skip(self, event_id: str, by: str, reason: str) -> Record | None:
        self.calls.append(("skip", event_id, by, reason))
        found = [r for r in self.records if r.event_id == event_id]
        return replace(found[0]) if found else None


async def run(principal: Principal, query: str, parked: FakeParked) -> dict[str, Any]:
    services = Services(dispatch=FakeDispatcher(RuntimeError("not dispatched")),
                        index=MemoryIndex(), feed=VisibilityFeed(), consistency_timeout=1,
                        parked=parked)
    result = await build_schema().execute(
        query, context_value=Context(services=services, principal=principal))
    return {"data": result.data, "errors": [e.extensions for e in result.errors or ()]}


async def test_the_admin_lists_parked_events_oldest_first() -> None:
    parked = FakeParked()
    answer = await run(ADMIN, "{ parkedEvents(first: 5) { eventId aggregateId "
                       "aggregateVersion error attempts source } }", parked)
    assert answer["errors"] == []
    assert [e["eventId"] for e in answer["data"]["parkedEvents"]] == ["e-1", "e-2"]
    assert answer["data"]["parkedEvents"][0]["source"] == "shard-1"
    assert parked.calls == [("waiting", 5)]


async def test_the_admin_replays_one_aggregate_or_all() -> None:
    parked = FakeParked()
    one = await run(ADMIN, 'mutation { retryParkedEvents(aggregateId: "u-1") }', parked)
    every = await run(ADMIN, "mutation { retryParkedEvents }", parked)
    assert one["data"] == {"retryParkedEvents": 2} and every["data"] == {"retryParkedEvents": 2}
    assert parked.calls == [("retry", "u-1"), ("retry", None)]


async def test_a_skip_records_which_admin_and_why() -> None:
    parked = FakeParked()
    answer = await run(ADMIN, 'mutation { skipParkedEvent(eventId: "e-1", reason: " bad data ")'
                       " { eventId } }", parked)
    assert answer["data"] == {"skipParkedEvent": {"eventId": "e-1"}}
    [(_, event_id, by, reason)] = parked.calls
    assert (event_id, reason) == ("e-1", "bad data") and ADMIN.user_id in by


async def test_nobody_but_the_admin_may_touch_parked_events() -> None:
    parked = FakeParked()
    for principal, code in ((CUSTOMER, "FORBIDDEN"), (ANONYMOUS, "UNAUTHENTICATED")):
        for query in ("{ parkedEvents { eventId } }", "mutation { retryParkedEvents }",
                      'mutation { skipParkedEvent(eventId: "e-1", reason: "x") { eventId } }'):
            assert (await run(principal, query, parked))["errors"] == [{"code": code}]
    assert parked.calls == []


async def test_bad_arguments_are_refused_before_the_store_is_asked() -> None:
    parked = FakeParked()
    for query in (
        "{ parkedEvents(first: 0) { eventId } }",
        "{ parkedEvents(first: 100000) { eventId } }",
        f'mutation {{ retryParkedEvents(aggregateId: "{"x" * 65}") }}',
        'mutation { skipParkedEvent(eventId: "e-1", reason: "  ") { eventId } }',
        f'mutation {{ skipParkedEvent(eventId: "e-1", reason: "{"y" * 501}") {{ eventId }} }}',
    ):
        answer = await run(ADMIN, query, parked)
        assert answer["errors"] and answer["errors"][0]["code"] == "BAD_USER_INPUT", query
    unknown = await run(ADMIN, 'mutation { skipParkedEvent(eventId: "nope", reason: "r") '
                        "{ eventId } }", parked)
    assert unknown["errors"][0]["code"] == "BAD_USER_INPUT"
    assert [c[0] for c in parked.calls] == ["skip"]  # only the well-formed one reached it
