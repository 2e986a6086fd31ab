"""What every aggregate shares: an id, a version counting its events, and unsaved events."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from write.command_errors import DomainError, InvalidTransition, VersionConflict
from write.messages import DomainEvent


class Aggregate:
    """Version n means n events have been recorded for this aggregate; a new one starts at 0."""

    TYPE = "Aggregate"

    def __init__(self, id: str, version: int = 0) -> None:
        self.id = id
        self.version = version
        self.events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self.version += 1
        self.events.append(event)

    def pending(self) -> Iterator[tuple[int, DomainEvent]]:
        """The unsaved events with the aggregate version each one produced."""
        first = self.version - len(self.events) + 1
        return zip(range(first, self.version + 1), self.events, strict=True)

    def check_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.version:
            raise VersionConflict(self.id, expected, self.version)

    def refuse(self, message: str) -> InvalidTransition:
        return InvalidTransition(self.id, message)

    def unique_values(self) -> Mapping[str, DomainError]:
        """The attributes no other aggregate of this type may share (each a unique column of the
        same name), with the error that says one is taken."""
        return {}
