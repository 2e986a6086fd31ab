"""Repositories: get and add aggregates. Each remembers what it handed out (`seen`), so the unit of
work can collect the pending events of every aggregate a command touched."""

from __future__ import annotations

import abc
from typing import Generic, TypeVar

from write.aggregate import Aggregate
from write.command_errors import NotFound
from write.identifiers import aggregate_id

A = TypeVar("A", bound=Aggregate)


class Repository(abc.ABC, Generic[A]):
    def __init__(self, cls: type[A]) -> None:
        self.cls = cls
        self.seen: list[A] = []
        self.held: list[A] = []  # read under a share lock: unchanged until the commit

    def add(self, aggregate: A) -> None:
        self._add(aggregate)
        self.seen.append(aggregate)

    async def get(self, id: str, hold: bool = False) -> A | None:
        """The aggregate, or None. `hold`: the command decides on it without changing it (an
        order on its customer), so no other command may change it before this one commits."""
        canonical = aggregate_id(id)
        found = await self._get(canonical, hold) if canonical else None
        if found is not None and found not in self.seen:
            self.seen.append(found)
        if found is not None and hold and found not in self.held:
            self.held.append(found)
        return found

    async def load(self, id: str, expected_version: int | None = None, hold: bool = False) -> A:
        """The aggregate, or NotFound; VersionConflict if it is not at `expected_version`."""
        aggregate = await self.get(id, hold)
        if aggregate is None:
            raise NotFound(self.cls.TYPE, id)
        aggregate.check_version(expected_version)
        return aggregate

    @abc.abstractmethod
    def _add(self, aggregate: A) -> None: ...

    @abc.abstractmethod
    async def _get(self, id: str, hold: bool) -> A | None:
        """`hold`: lock the row against changes until the transaction ends (a share lock)."""
