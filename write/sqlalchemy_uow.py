"""The unit of work on SQLAlchemy's async session, for SQLite and PostgreSQL alike.

The database enforces the rules that need every row to check (unique emails and SKUs, one event
per aggregate version, the version an UPDATE expects); this module turns its refusals into the
domain's typed errors.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from write import repositories
from write.aggregate import Aggregate
from write.errors import ConcurrentUpdate, DomainError, EmailTaken, SkuTaken, StoreUnavailable
from write.mapping import map_aggregates
from write.outbox import EventRecord
from write.products import Product
from write.tables import events
from write.unit_of_work import UnitOfWork
from write.users import User

UNAVAILABLE = (OperationalError, InterfaceError, OSError, TimeoutError)


class SqlAlchemyUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine) -> None:
        map_aggregates()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._session: AsyncSession | None = None

    async def _begin(self) -> None:
        self._session = self._sessions()
        self.users = repositories.users(self._session)
        self.products = repositories.products(self._session)

    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        session = self._require_session()
        try:
            await session.flush()
            position = None
            if records:
                statement = insert(events).returning(
                    events.c.position, sort_by_parameter_order=True
                )
                result = await session.execute(statement, [r.row() for r in records])
                position = max(result.scalars().all())
            await session.commit()
            return position
        except IntegrityError as error:
            raise _explain(error, touched) from error
        except StaleDataError as error:
            raise _conflict(touched) from error

    async def _end(self, error: BaseException | None) -> None:
        session, self._session = self._require_session(), None
        with contextlib.suppress(*UNAVAILABLE):  # a lost connection took its transaction along
            await session.close()  # rolls back anything uncommitted
        if isinstance(error, UNAVAILABLE) or _lost_connection(error):
            raise StoreUnavailable(str(error).splitlines()[0]) from error

    def _require_session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with uow:`")
        return self._session


def _lost_connection(error: BaseException | None) -> bool:
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _explain(error: IntegrityError, touched: list[Aggregate]) -> DomainError | IntegrityError:
    """Which rule the database refused. SQLite names the columns, PostgreSQL the constraint."""
    message = str(error.orig)
    for aggregate in touched:
        if isinstance(aggregate, User) and (
            "uq_users_email_key" in message or "users.email_key" in message
        ):
            return EmailTaken(aggregate.email)
        if isinstance(aggregate, Product) and (
            "uq_products_sku" in message or "products.sku" in message
        ):
            return SkuTaken(aggregate.sku)
    if "uq_events_aggregate_version" in message or "events.aggregate_type" in message:
        return _conflict(touched)
    return error


def _conflict(touched: list[Aggregate]) -> ConcurrentUpdate:
    changed = next((a for a in touched if a.events), touched[0])
    return ConcurrentUpdate(changed.id, changed.version - len(changed.events))
