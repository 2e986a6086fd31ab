"""The unit of work on SQLAlchemy's async session, for SQLite and PostgreSQL alike.

The database enforces the rules that need every row to check (unique emails and SKUs, one event
per aggregate version, the version an UPDATE expects); this module turns its refusals into the
domain's typed errors.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from write import repositories
from write.aggregate import Aggregate
from write.errors import ConcurrentUpdate, DomainError, EmailTaken, SkuTaken, StoreUnavailable
from write.mapping import map_aggregates
from write.outbox import NOTIFY_CHANNEL, EventRecord
from write.products import Product
from write.tables import events
from write.unit_of_work import UnitOfWork
from write.users import User

NOTIFY = text("SELECT pg_notify(:channel, '')")
UNAVAILABLE = (OperationalError, InterfaceError, OSError, TimeoutError)


class SqlAlchemyUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine) -> None:
        map_aggregates()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._session: AsyncSession | None = None
        self._notify = engine.dialect.name == "postgresql"

    async def _begin(self) -> None:
        self._session = self._sessions()
        self.users = repositories.users(self._session)
        self.products = repositories.products(self._session)

    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        session = self._require_session()
        # A failed flush rolls the session back and expires every loaded object, so the errors
        # that may explain a refusal are worked out while their attributes can still be read.
        refusals = _possible_refusals(touched)
        try:
            await session.flush()
            position = None
            if records:
                statement = insert(events).returning(
                    events.c.position, sort_by_parameter_order=True
                )
                result = await session.execute(statement, [r.row() for r in records])
                position = max(result.scalars().all())
                if self._notify:  # delivered on COMMIT, so the relay never wakes too early
                    await session.execute(NOTIFY, {"channel": NOTIFY_CHANNEL})
            await session.commit()
            return position
        except IntegrityError as error:
            message = str(error.orig)
            for names, refusal in refusals:
                if any(name in message for name in names):
                    raise refusal from error
            raise
        except StaleDataError as error:  # an UPDATE found another version than it loaded
            raise refusals[-1][1] from error

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


# SQLite names the columns of a violated constraint, PostgreSQL names the constraint.
EMAIL_TAKEN = ("uq_users_email_key", "users.email_key")
SKU_TAKEN = ("uq_products_sku", "products.sku")
EVENT_SLOT_TAKEN = ("uq_events_aggregate_version", "events.aggregate_type")


def _possible_refusals(touched: list[Aggregate]) -> list[tuple[tuple[str, ...], DomainError]]:
    """Each rule the database may refuse, with the error that explains it. The concurrency
    conflict comes last; a flush always has at least the aggregate it saves in `touched`."""
    refusals: list[tuple[tuple[str, ...], DomainError]] = []
    for aggregate in touched:
        if isinstance(aggregate, User):
            refusals.append((EMAIL_TAKEN, EmailTaken(aggregate.email)))
        elif isinstance(aggregate, Product):
            refusals.append((SKU_TAKEN, SkuTaken(aggregate.sku)))
    changed = next((a for a in touched if a.events), touched[0] if touched else None)
    if changed is not None:
        loaded_version = changed.version - len(changed.events)
        refusals.append((EVENT_SLOT_TAKEN, ConcurrentUpdate(changed.id, loaded_version)))
    return refusals
