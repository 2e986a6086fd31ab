"""The registry of projections, built from the declaration each `*_projection.py` module makes.

Every projection module declares, beside its functions,

    PROJECTION = ProjectionKind("User", USER, specs=(USER_SPEC,), projections={...})

and nothing else on the read side lists aggregates or document kinds: the batch projector, the
index layouts (tantivy and Elasticsearch) and the GraphQL layer's document types all ask
`kinds()`. See docs/architecture.md, "Adding an aggregate".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from read.documents import IndexSpec
from read.event_envelope import EventMessage
from read.projection.workspace import Key, Workspace

Projection = Callable[[EventMessage, Workspace], Awaitable[None]]
Targets = Callable[[EventMessage], Iterable[Key]]


@dataclass(frozen=True)
class ProjectionKind:
    aggregate_type: str
    """The write side's aggregate type whose events this module projects (docs/events.md)."""
    kind: str
    """The document kind that holds one document per aggregate (its id is the aggregate's)."""
    specs: tuple[IndexSpec, ...]
    """Every document kind this module shapes and owns, its own kind's first."""
    projections: Mapping[str, Projection]
    """One projection per event type."""
    targets: Mapping[str, Targets] = field(default_factory=dict)
    """Per event type, the other documents it reads, so that a batch fetches them in one go."""


@cache
def kinds() -> tuple[ProjectionKind, ...]:
    import read.projection

    found = []
    for module in pkgutil.iter_modules(read.projection.__path__, "read.projection."):
        if module.name.endswith("_projection"):
            kind = getattr(importlib.import_module(module.name), "PROJECTION", None)
            if not isinstance(kind, ProjectionKind):
                raise TypeError(f"{module.name} must declare PROJECTION = ProjectionKind(...)")
            found.append(kind)
    return tuple(sorted(found, key=lambda kind: kind.aggregate_type))


@cache
def projections() -> Mapping[str, Projection]:
    """The projection of every event type any module knows."""
    table: dict[str, Projection] = {}
    for kind in kinds():
        for event_type, projection in kind.projections.items():
            if event_type in table:
                raise TypeError(f"{event_type} has two projections")
            table[event_type] = projection
    return table


@cache
def specs() -> Mapping[str, IndexSpec]:
    """Every document kind's index spec."""
    return {spec.kind: spec for kind in kinds() for spec in kind.specs}


def kind_of_aggregate(aggregate_type: str) -> str | None:
    """The document kind of an aggregate type's own documents; None for a type nobody projects."""
    return next((k.kind for k in kinds() if k.aggregate_type == aggregate_type), None)


def document_kind(aggregate_type: str) -> str:
    """The document kind of an aggregate type's own documents; KeyError if nobody projects it."""
    kind = kind_of_aggregate(aggregate_type)
    if kind is None:
        raise KeyError(f"no projection declares the aggregate type {aggregate_type!r}")
    return kind


def targets_of(event: EventMessage) -> Iterable[Key]:
    """The documents an event reads: its aggregate's own, and those its projection declares."""
    kind = kind_of_aggregate(event.aggregate_type)
    if kind is not None:
        yield kind, event.aggregate_id
    for declared in kinds():
        if event.type in declared.targets:
            yield from declared.targets[event.type](event)
