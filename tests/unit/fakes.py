"""In-memory stand-ins for the write store, behind the same abstract ports as the real adapters.

`FakeStore` plays the database: committed rows and the event log. Several `FakeUnitOfWork`s may
share one store, which is how a test plays a concurrent writer (see `before_next_commit`). Like
the database, the store enforces what needs every row to check: unique email keys and SKUs, stock
never below zero, and that an aggregate is still at the version it was loaded at when it is
written back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import is_dataclass
from typing import Any, cast

from sqlalchemy.orm.instrumentation import manager_of_class

from write.aggregate import Aggregate
from write.aggregate_kinds import kinds
from write.command_errors import ConcurrentUpdate
from write.event_records import EventRecord
from write.products.product import Product
from write.repositories import A, Repository
from write.unit_of_work import UnitOfWork

Writer = Callable[[], Awaitable[object]]


class FakeStore:
    """Committed state only: aggregates as saved (no pending events) and the log with positions."""

    def __init__(self) -> None:
        self._rows: dict[type[Aggregate], dict[str, Any]] = {kind.cls: {} for kind in kinds()}
        self.log: list[dict[str, Any]] = []

    def rows_of(self, cls: type[A]) -> dict[str, A]:
        return cast(dict[str, A], self._rows[cls])

    def rows(self, aggregate: Aggregate) -> dict[str, Any]:
        return self._rows[type(aggregate)]


def copy_of(aggregate: A) -> A:
    """A detached copy without pending events. Not deepcopy: once SqlAlchemyUnitOfWork has mapped
    the classes (same test process), instances carry ORM state, which the copy leaves behind."""
    return cast(A, _copy(aggregate))


def _copy(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(_copy(item) for item in value)
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type) and _frozen(value):
        return value  # events and other frozen dataclasses: immutable
    if not hasattr(value, "__dict__") or isinstance(value, type):
        return value  # str, Decimal, datetime, ...: immutable
    cls = type(value)
    # A mapped class is built the way SQLAlchemy loads one (with its own fresh ORM state, no
    # __init__); an unmapped one plainly. Either way every attribute goes through setattr.
    manager = manager_of_class(cls) if is_mapped(cls) else None
    copied = manager.new_instance() if manager is not None else object.__new__(cls)
    for name, item in list(vars(value).items()):
        if not name.startswith("_sa_"):
            setattr(copied, name, _copy(item))
    if isinstance(copied, Aggregate):
        copied.events = []
    return copied


def _frozen(value: Any) -> bool:
    return bool(value.__dataclass_params__.frozen)


def is_mapped(cls: type) -> bool:
    return "_sa_class_manager" in cls.__dict__


class FakeRepository(Repository[A]):
    """Hands out copies, so a change is only seen by others once the unit of work commits it."""

    def __init__(self, cls: type[A], rows: dict[str, A], loaded: dict[str, int | None]) -> None:
        super().__init__(cls)
        self._rows = rows
        self._loaded = loaded  # id -> version it had when handed out (None: added, new)
        self._identity: dict[str, A] = {}  # like a session: one object per id per unit of work

    def _add(self, aggregate: A) -> None:
        self._loaded[aggregate.id] = None
        self._identity[aggregate.id] = aggregate

    async def _get(self, id: str, hold: bool) -> A | None:
        if id in self._identity:
            return self._identity[id]
        row = self._rows.get(id)
        if row is None:
            return None
        self._loaded[id] = row.version
        self._identity[id] = copy_of(row)
        return self._identity[id]


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.commits = 0
        self._loaded: dict[str, int | None] = {}
        self._writers: list[Writer] = []
        self._open = False

    @property
    def log(self) -> list[dict[str, Any]]:
        return self.store.log

    def before_next_commit(self, writer: Writer) -> None:
        """Run `writer` (typically another command on the same store) between this unit of work's
        reads and its next commit, as a concurrent request would. One writer per commit attempt."""
        self._writers.append(writer)

    async def _begin(self) -> None:
        if self._open:
            raise RuntimeError("the unit of work is already open")
        self._open = True
        self._loaded = {}
        self._held_by: list[Repository[Any]] = []

    def _repository(self, cls: type[A]) -> Repository[A]:
        repository = FakeRepository(cls, self.store.rows_of(cls), self._loaded)
        self._held_by.append(repository)
        return repository

    @property
    def _held(self) -> list[Aggregate]:
        return [a for repository in self._held_by for a in repository.held]

    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        if not self._open:
            raise RuntimeError("use the unit of work inside `async with uow:`")
        if self._writers:
            await self._writers.pop(0)()
        # Like an UPDATE ... WHERE version = <loaded>: only changed aggregates are written back.
        changed = [a for a in touched if a.events]
        # A held aggregate (read under PostgreSQL's share lock) cannot have moved either: there,
        # the other command would have waited for this one; here it went first, so this one is
        # decided again on what it did.
        held = [a for a in touched if not a.events and a in self._held]
        for aggregate in held:
            stored = self.store.rows(aggregate).get(aggregate.id)
            if stored is None or stored.version != aggregate.version:
                raise ConcurrentUpdate(aggregate.id, aggregate.version)
        for aggregate in changed:
            stored = self.store.rows(aggregate).get(aggregate.id)
            if (stored.version if stored is not None else None) != self._loaded[aggregate.id]:
                raise ConcurrentUpdate(aggregate.id, aggregate.version - len(aggregate.events))
            if isinstance(aggregate, Product) and aggregate.stock < 0:  # CHECK (stock >= 0)
                raise ConcurrentUpdate(aggregate.id, aggregate.version - len(aggregate.events))
        self._check_unique(changed)
        position = None
        for record in records:
            position = len(self.store.log) + 1
            self.store.log.append(record.row() | {"position": position})
        for aggregate in changed:
            self.store.rows(aggregate)[aggregate.id] = copy_of(aggregate)
        self.commits += 1
        return position

    async def _end(self, error: BaseException | None) -> None:
        self._open = False  # nothing uncommitted was ever written to the store

    def _check_unique(self, changed: list[Aggregate]) -> None:
        """The unique constraints, checked against the state the commit would leave behind."""
        for aggregate in changed:
            after = self.store.rows(aggregate) | {
                a.id: a for a in changed if type(a) is type(aggregate)
            }
            for attribute, taken in aggregate.unique_values().items():
                value = getattr(aggregate, attribute)
                if any(
                    other.id != aggregate.id and getattr(other, attribute) == value
                    for other in after.values()
                ):
                    raise taken
