"""The two sides agree on the event contract: every event an aggregate can record is documented in
docs/events.md and has a projection, and every aggregate has a projection module."""

from __future__ import annotations

import re
from pathlib import Path

from read.projection.projection_kinds import kinds as projection_kinds
from read.projection.projection_kinds import projections
from write.aggregate_kinds import kinds as aggregate_kinds
from write.messages import DomainEvent

DOCUMENTED = re.findall(
    r"^\| (\w+) \| `(\w+)` \|", (Path(__file__).parents[2] / "docs" / "events.md").read_text(),
    re.MULTILINE,
)


def recordable() -> set[str]:
    aggregate_kinds()  # imports every aggregate's package, hence its events
    return {event.__name__ for event in DomainEvent.__subclasses__()}


def test_every_recordable_event_is_documented_and_projected() -> None:
    assert recordable() == {name for _, name in DOCUMENTED}
    assert recordable() == set(projections())


def test_every_aggregate_has_its_projection_and_its_documented_events() -> None:
    aggregates = {kind.type for kind in aggregate_kinds()}
    assert aggregates == {kind.aggregate_type for kind in projection_kinds()}
    for kind in projection_kinds():
        own = {name for aggregate, name in DOCUMENTED if aggregate == kind.aggregate_type}
        assert own == set(kind.projections), kind.aggregate_type
