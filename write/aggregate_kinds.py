"""The registry of aggregates, built from the declaration each aggregate's package makes.

Every package under write/ that holds an aggregate declares it in a module named `*_kind.py`:

    KIND = AggregateKind(User, handlers={RegisterUser: register_user, ...}, commit_rank=1)

and nothing else in the write side lists aggregates: the unit of work, the command routing, the
SQLAlchemy mapping and the test fakes all ask `kinds()`. See docs/architecture.md, "Adding an
aggregate".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from write.aggregate import Aggregate
from write.command_results import CommandResult
from write.messages import Command

# (command, unit of work) -> result. The unit of work asks this registry for its repositories, so
# naming its class here would tie the two modules in a circle.
Handler = Callable[[Any, Any], Awaitable[CommandResult]]


@dataclass(frozen=True)
class AggregateKind:
    cls: type[Aggregate]
    handlers: Mapping[type[Command], Handler]
    commit_rank: int
    """Where this aggregate's events go among one command's: lower first (docs/events.md)."""
    parts: Mapping[str, type] = field(default_factory=dict)
    """Objects saved with the aggregate, by attribute (an order's `lines`)."""

    @property
    def type(self) -> str:
        return self.cls.TYPE


@cache
def kinds() -> tuple[AggregateKind, ...]:
    """Every declared aggregate, in commit order."""
    import write

    found = []
    for package in pkgutil.iter_modules(write.__path__, "write."):
        if not package.ispkg:
            continue
        path = importlib.import_module(package.name).__path__
        for module in pkgutil.iter_modules(path, package.name + "."):
            if module.name.endswith("_kind"):
                kind = getattr(importlib.import_module(module.name), "KIND", None)
                if not isinstance(kind, AggregateKind):
                    raise TypeError(f"{module.name} must declare KIND = AggregateKind(...)")
                found.append(kind)
    return tuple(sorted(found, key=lambda kind: kind.commit_rank))


def kind_of(cls: type[Aggregate]) -> AggregateKind:
    return next(kind for kind in kinds() if kind.cls is cls)


@cache
def routes() -> Mapping[type[Command], Handler]:
    """The handler of every command, from every aggregate's declaration."""
    table: dict[type[Command], Handler] = {}
    for kind in kinds():
        for command, handler in kind.handlers.items():
            if command in table:
                raise TypeError(f"{command.__name__} has two handlers")
            table[command] = handler
    return table
