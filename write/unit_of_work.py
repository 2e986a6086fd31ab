"""The unit of work: one command, one transaction, its state changes and its events together.

    async with uow:
        user = await uow.users.get(id)
        user.rename(name)
        position = await uow.commit()   # rows + event log in one transaction

Leaving the block without `commit()` rolls everything back.
"""

from __future__ import annotations

import abc
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from write.aggregate import Aggregate
from write.orders import Order
from write.products import Product
from write.repositories import Repository
from write.sqlalchemy.outbox import EventRecord, records_of
from write.users import User


class UnitOfWork(abc.ABC):
    users: Repository[User]
    products: Repository[Product]
    orders: Repository[Order]

    async def __aenter__(self) -> Self:
        await self._begin()
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
        Events are appended orders first, then users, then products, each repository's in the
        order the command loaded or added its aggregates (docs/events.md).
        """
        touched: list[Aggregate] = [*self.orders.seen, *self.users.seen, *self.products.seen]
        records = records_of(touched, datetime.now(UTC))
        position = await self._commit(touched, records)
        for aggregate in touched:
            aggregate.events.clear()
        return position

    @abc.abstractmethod
    async def _begin(self) -> None:
        """Open the transaction and the repositories."""

    @abc.abstractmethod
    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        """Persist, or raise the domain error that explains why not (EmailTaken, ...)."""

    @abc.abstractmethod
    async def _end(self, error: BaseException | None) -> None:
        """Roll back whatever was not committed and release the transaction."""
