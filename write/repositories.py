"""Repositories: get and add aggregates. Each remembers what it handed out (`seen`), so the unit of
work can collect the pending events of every aggregate a command touched."""

from __future__ import annotations

import abc
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from write.aggregate import Aggregate
from write.command_errors import NotFound
from write.input_checks import aggregate_id
from write.orders import Order
from write.products import Product
from write.users import User

A = TypeVar("A", bound=Aggregate)


class Repository(abc.ABC, Generic[A]):
    def __init__(self, cls: type[A]) -> None:
        self.cls = cls
        self.seen: list[A] = []

    def add(self, aggregate: A) -> None:
        self._add(aggregate)
        self.seen.append(aggregate)

    async def get(self, id: str) -> A | None:
        canonical = aggregate_id(id)
        found = await self._get(canonical) if canonical else None
        if found is not None and found not in self.seen:
            self.seen.append(found)
        return found

    async def load(self, id: str, expected_version: int | None = None) -> A:
        """The aggregate, or NotFound; VersionConflict if it is not at `expected_version`."""
        aggregate = await self.get(id)
        if aggregate is None:
            raise NotFound(self.cls.TYPE, id)
        aggregate.check_version(expected_version)
        return aggregate

    @abc.abstractmethod
    def _add(self, aggregate: A) -> None: ...

    @abc.abstractmethod
    async def _get(self, id: str) -> A | None: ...


class SqlAlchemyRepository(Repository[A]):
    def __init__(self, session: AsyncSession, cls: type[A]) -> None:
        super().__init__(cls)
        self._session = session

    def _add(self, aggregate: A) -> None:
        self._session.add(aggregate)

    async def _get(self, id: str) -> A | None:
        return await self._session.get(self.cls, id)


def users(session: AsyncSession) -> SqlAlchemyRepository[User]:
    return SqlAlchemyRepository(session, User)


def products(session: AsyncSession) -> SqlAlchemyRepository[Product]:
    return SqlAlchemyRepository(session, Product)


def orders(session: AsyncSession) -> SqlAlchemyRepository[Order]:
    return SqlAlchemyRepository(session, Order)
