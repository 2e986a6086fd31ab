"""The registry of the GraphQL layer, built from the declaration each `schema/*_operations.py`
module makes at its end:

    OPERATIONS = GraphKind(queries=UserQueries, mutations=UserMutations, documents={USER: User})

and nothing else in schema/ lists aggregates: the root Query, Mutation and Subscription
(schema/app.py), `DocumentType` and the `Document` union (schema/document_types.py) and the
documents `documentChanged` delivers all ask `kinds()`. See docs/architecture.md, "Adding an
aggregate".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol, Self

from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from read.index import Document
from read.projection.projection_kinds import specs


class GraphDocument(Protocol):
    """A GraphQL object type that shows one kind of index document."""

    @classmethod
    def from_document(cls, document: Document) -> Self: ...


@dataclass(frozen=True)
class GraphKind:
    queries: type | None = None
    mutations: type | None = None
    subscriptions: type | None = None
    documents: Mapping[str, type[GraphDocument]] = field(default_factory=dict)
    """The GraphQL type of each document kind this module's types show, by kind."""


@dataclass(frozen=True)
class RootTypes:
    query: type
    mutation: type | None
    subscription: type | None


@cache
def kinds() -> tuple[GraphKind, ...]:
    """Every declaration, in the order of its module's name."""
    import schema

    found = []
    for module in pkgutil.iter_modules(schema.__path__, "schema."):
        if module.name.endswith("_operations"):
            kind = getattr(importlib.import_module(module.name), "OPERATIONS", None)
            if not isinstance(kind, GraphKind):
                raise TypeError(f"{module.name} must declare OPERATIONS = GraphKind(...)")
            found.append(kind)
    return tuple(found)


@cache
def documents() -> Mapping[str, type[GraphDocument]]:
    """The GraphQL type of every document kind some declaration shows."""
    table: dict[str, type[GraphDocument]] = {}
    for kind in kinds():
        for document_kind, graphql_type in kind.documents.items():
            if document_kind in table:
                raise TypeError(f"{document_kind!r} documents have two GraphQL types")
            table[document_kind] = graphql_type
    unknown = set(table) - set(specs())
    if unknown:  # a typo, or a kind nobody projects: documentChanged would never announce it
        raise TypeError(f"no projection shapes {sorted(unknown)} documents")
    return table


def typed(document: Document) -> GraphDocument:
    """The document as its GraphQL type; KeyError for a kind that no declaration shows."""
    graphql_type = documents().get(document.kind)
    if graphql_type is None:
        raise KeyError(f"no schema/*_operations.py shows {document.kind!r} documents")
    return graphql_type.from_document(document)


@cache
def root_types() -> RootTypes:
    """The root types, each merging the declarations' (strawberry.tools.merge_types)."""
    query = merged("Query", [kind.queries for kind in kinds()])
    if query is None:
        raise TypeError("no schema/*_operations.py declares queries: a schema needs some")
    return RootTypes(
        query=query,
        mutation=merged("Mutation", [kind.mutations for kind in kinds()]),
        subscription=merged("Subscription", [kind.subscriptions for kind in kinds()]),
    )


def merged(name: str, parts: list[type | None]) -> type | None:
    """One type with the fields of every part (None: no part); TypeError if two name one."""
    types = tuple(part for part in parts if part is not None)
    if not types:
        return None
    seen: dict[str, str] = {}
    for part in types:
        definition = get_object_definition(part, strict=True)
        for graphql_field in definition.fields:
            if graphql_field.python_name in seen:  # merge_types would only warn, and keep one
                raise TypeError(f"{name}.{graphql_field.python_name} is declared by both "
                                f"{seen[graphql_field.python_name]} and {part.__name__}")
            seen[graphql_field.python_name] = part.__name__
    return merge_types(name, types)  # fields in the order of kinds()

