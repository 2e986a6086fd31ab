"""The unit of work on SQLAlchemy's async session, for SQLite and PostgreSQL alike.

The database enforces the rules that need every row to check (unique emails and SKUs, one event
per aggregate version, the version an UPDATE expects, stock never below zero); this module turns
its refusals into the domain's typed errors.

A command that lost a race gets ConcurrentUpdate, which `write.handling.handle` retries: a stale
UPDATE, an event slot already taken, a stock CHECK that a stale decision broke, and PostgreSQL's
own verdicts on racing transactions (deadlock, serialization failure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from write.aggregate import Aggregate
from write.command_errors import ConcurrentUpdate, DomainError
from write.event_records import EventRecord
from write.repositories import A, Repository
from write.sqlalchemy.database import is_unreachable, sqlstate, unavailable
from write.sqlalchemy.mapping import map_aggregates
from write.sqlalchemy.tables import events
from write.unit_of_work import UnitOfWork

NOTIFY = text("SELECT pg_notify(:channel, '')")
# PostgreSQL aborted one of two racing transactions; the other went through, so a retry is safe.
RACE_LOST = {"40P01", "40001"}  # deadlock_detected, serialization_failure


class SqlAlchemyRepository(Repository[A]):
    def __init__(self, session: AsyncSession, cls: type[A]) -> None:
        super().__init__(cls)
        self._session = session

    def _add(self, aggregate: A) -> None:
        self._session.add(aggregate)

    async def _get(self, id: str, hold: bool) -> A | None:
        # PostgreSQL: SELECT ... FOR SHARE; a held row is read at its newest committed version,
        # and a command changing it waits for this transaction. SQLite's write transactions
        # (BEGIN IMMEDIATE) run one at a time, which holds every row already.
        lock = {"read": True} if hold else None
        return await self._session.get(self.cls, id, with_for_update=lock, populate_existing=hold)


class SqlAlchemyUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine, notify_channel: str | None) -> None:
        """`notify_channel`: the PostgreSQL channel every commit with events notifies (relays
        listen on it; outbox.notify_channel_of), None for none. Required: a unit of work that
        forgot it would leave relays elsewhere to their poll."""
        map_aggregates()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._session: AsyncSession | None = None
        self._notify_channel = notify_channel

    async def _begin(self) -> None:
        self._session = self._sessions()

    def _repository(self, cls: type[A]) -> Repository[A]:
        return SqlAlchemyRepository(self._require_session(), cls)

    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        session = self._require_session()
        # A failed flush rolls the session back and expires every loaded object, so the errors
        # that may explain a refusal are worked out while their attributes can still be read.
        refusals = _Refusals.of(touched)
        try:
            await session.flush()
            position = None
            if records:
                statement = insert(events).returning(
                    events.c.position, sort_by_parameter_order=True
                )
                result = await session.execute(statement, [r.row() for r in records])
                position = max(result.scalars().all())
                if self._notify_channel:  # delivered on COMMIT: the relay never wakes too early
                    await session.execute(NOTIFY, {"channel": self._notify_channel})
            await session.commit()
            return position
        except IntegrityError as error:
            refusal = refusals.explain(str(error.orig))
            if refusal is None:
                raise
            raise refusal from error
        except StaleDataError as error:  # an UPDATE found another version than it loaded
            stale = re.search(r"table '(\w+)'", str(error))
            raise refusals.conflict(stale.group(1) if stale else None) from error
        except DBAPIError as error:
            if sqlstate(error) in RACE_LOST:
                # Products are the rows that commands of different aggregates lock together
                # (orders reserve them), so the race was most likely lost on one of them.
                raise refusals.conflict("products") from error
            raise

    async def _end(self, error: BaseException | None) -> None:
        session, self._session = self._require_session(), None
        try:
            await session.close()  # rolls back anything uncommitted
        except Exception as closing:
            if not is_unreachable(closing):  # a lost connection took its transaction along
                raise
        if error is not None and is_unreachable(error):
            raise unavailable(error) from error

    def _require_session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with uow:`")
        return self._session


# SQLite names the columns of a violated constraint (or a CHECK's name), PostgreSQL names the
# constraint.
EVENT_SLOT_TAKEN = ("uq_events_aggregate_version", "events.aggregate_type")
STOCK_BELOW_ZERO = ("ck_products_stock_not_negative",)


@dataclass
class _Refusals:
    """Each rule the database may refuse, with the error that explains it."""

    unique: list[tuple[tuple[str, ...], DomainError]] = field(default_factory=list)
    conflicts: list[tuple[str, ConcurrentUpdate]] = field(default_factory=list)
    """(table, conflict) per aggregate the flush may find moved: those it UPDATEs, else (a flush
    that only INSERTs) those it saves. Never empty when something was touched."""

    @classmethod
    def of(cls, touched: list[Aggregate]) -> _Refusals:
        refusals = cls()
        for aggregate in touched:
            table = _table_of(aggregate)
            for column, taken in aggregate.unique_values().items():
                # SQLite names the violated columns, PostgreSQL the constraint (tables.py
                # names each uq_<table>_<column>).
                refusals.unique.append(((f"uq_{table}_{column}", f"{table}.{column}"), taken))
        changed = [a for a in touched if a.events]
        updated = [a for a in changed if a.version > len(a.events)]  # stored before this command
        for aggregate in updated or changed or touched[:1]:
            loaded_version = aggregate.version - len(aggregate.events)
            conflict = ConcurrentUpdate(aggregate.id, loaded_version)
            refusals.conflicts.append((_table_of(aggregate), conflict))
        return refusals

    def explain(self, message: str) -> DomainError | None:
        """The error behind an integrity violation, or None when it is not one of ours."""
        for names, refusal in self.unique:
            if any(name in message for name in names):
                return refusal
        if any(name in message for name in EVENT_SLOT_TAKEN):
            return self.conflict(None)
        if any(name in message for name in STOCK_BELOW_ZERO):
            # Our decision was taken on stock that is not what the row holds: decide again.
            return self.conflict("products")
        return None

    def conflict(self, table: str | None) -> ConcurrentUpdate:
        """The conflict on the first aggregate saved to `table`, else on the first one saved."""
        on_table = [conflict for name, conflict in self.conflicts if name == table]
        return (on_table or [conflict for _, conflict in self.conflicts])[0]


def _table_of(aggregate: Aggregate) -> str:
    return str(inspect(type(aggregate)).local_table.name)
