"""In-memory stand-ins for the write store, behind the same abstract ports as the real adapters.

`FakeStore` plays the database: committed rows and the event log. Several `FakeUnitOfWork`s may
share one store, which is how a test plays a concurrent writer (see `before_next_commit`). Like
the database, the store enforces what needs every row to check: unique email keys and SKUs, stock
never below zero, and that an aggregate is still at the version it was loaded at when it is
written back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from write.aggregate import Aggregate
from write.command_errors import ConcurrentUpdate, EmailTaken, SkuTaken
from write.orders import Order, OrderLine
from write.products import Product
from write.repositories import A, Repository
from write.sqlalchemy.outbox import EventRecord
from write.unit_of_work import UnitOfWork
from write.users import User

Writer = Callable[[], Awaitable[object]]


class FakeStore:
    """Committed state only: aggregates as saved (no pending events) and the log with positions."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.products: dict[str, Product] = {}
        self.orders: dict[str, Order] = {}
        self.log: list[dict[str, Any]] = []

    def rows(self, aggregate: Aggregate) -> dict[str, Any]:
        tables: dict[type[Aggregate], dict[str, Any]] = {
            User: self.users, Product: self.products, Order: self.orders
        }
        return tables[type(aggregate)]


def copy_of(aggregate: A) -> A:
    """A detached copy without pending events. Built through the constructor, not deepcopy: once
    SqlAlchemyUnitOfWork has mapped the classes (same test process), instances carry ORM state."""
    if isinstance(aggregate, User):
        a = aggregate
        return cast(A, User(a.id, a.name, a.email, a.status, a.version))
    if isinstance(aggregate, Product):
        p = aggregate
        return cast(
            A,
            Product(p.id, p.sku, p.name, p.description, p.category, p.price, p.stock, p.status,
                    p.version),
        )
    if isinstance(aggregate, Order):
        o = aggregate
        lines = [
            OrderLine(n.line_no, n.product_id, n.sku, n.name, n.category, n.unit_price, n.quantity)
            for n in o.lines
        ]
        return cast(A, Order(o.id, o.user_id, lines, o.placed_at, o.status, o.version))
    raise TypeError(f"no copy for {type(aggregate).__name__}")


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

    async def _get(self, id: str) -> A | None:
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
        self.users = FakeRepository(User, self.store.users, self._loaded)
        self.products = FakeRepository(Product, self.store.products, self._loaded)
        self.orders = FakeRepository(Order, self.store.orders, self._loaded)

    async def _commit(self, touched: list[Aggregate], records: list[EventRecord]) -> int | None:
        if not self._open:
            raise RuntimeError("use the unit of work inside `async with uow:`")
        if self._writers:
            await self._writers.pop(0)()
        # Like an UPDATE ... WHERE version = <loaded>: only changed aggregates are written back.
        changed = [a for a in touched if a.events]
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
        users = self.store.users | {a.id: a for a in changed if isinstance(a, User)}
        products = self.store.products | {a.id: a for a in changed if isinstance(a, Product)}
        for aggregate in changed:
            if isinstance(aggregate, User) and any(
                other.id != aggregate.id and other.email_key == aggregate.email_key
                for other in users.values()
            ):
                raise EmailTaken(aggregate.email)
            if isinstance(aggregate, Product) and any(
                other.id != aggregate.id and other.sku == aggregate.sku
                for other in products.values()
            ):
                raise SkuTaken(aggregate.sku)
