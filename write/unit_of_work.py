"""The unit of work: one command, one transaction, its state changes and its events together.

    async with uow:
        user = await uow.repository(User).get(id)
        user.rename(name)
        position = await uow.commit()   # rows + event log in one transaction

Leaving the block without `commit()` rolls everything back.
"""

from __future__ import annotations

import abc
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar, cast

from write.aggregate import Aggregate
from write.aggregate_kinds import kinds
from write.event_records import EventRecord, records_of
from write.repositories import Repository

A = TypeVar("A", bound=Aggregate)


class UnitOfWork(abc.ABC):
    _repositories: dict[type[Aggregate], Repository[Aggregate]]

    def repository(self, cls: type[A]) -> Repository[A]:
        """The repository of one aggregate class, for this unit of work's transaction."""
        return cast(Repository[A], self._repositories[cls])

    async def __aenter__(self) -> Self:
        await self._begin()
        self._repositories = {kind.cls: self._repository(kind.cls) for kind in kinds()}
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._end(error)

    async def commit(self) -> int | None:
        """Save every touched aggregate and append its pending events to the log, atomically.

        Returns the log position of the last event appended, or None when nothing changed.
        Events are appended by the aggregates' commit rank (orders first, then users, then
        products), each repository's in the order the command loaded or added its aggregates
        (docs/events.md).
        """
        touched: list[Aggregate] = [
            aggregate for kind in kinds() for aggregate in self._repositories[kind.cls].seen
        ]
        records = records_of(touched, datetime.now(UTC))
        position = await self._commit(touched, records)
        for aggregate in touched:
            aggregate.events.clear()
        return position

    @abc.abstractmethod
    async def _begin(self) -> None:
        """Open the transaction."""

    @abc.abstractmethod
    def _repository(self, cls: type[A]) -> Repository[A]:
        """A repository of `cls` in the open transaction."""

    @abc.abstractmethod
    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        """Persist, or raise the domain error that explains why not (EmailTaken, ...)."""

    @abc.abstractmethod
    async def _end(self, error: BaseException | None) -> None:
        """Roll back whatever was not committed and release the transaction."""
