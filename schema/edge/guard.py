"""The schema extension that bounds every operation before it runs (schema/edge/limits.py).

It replaces strawberry's ParserCache, ValidationCache, MaxTokensLimiter and QueryDepthLimiter
with one cache of parsed and validated documents bounded by bytes (theirs are bounded by count,
so 512 documents of a megabyte each stay in memory), a parse bounded by tokens, the standard
validation, and the limits measured in one linear pass. A document the cache has not seen is
parsed and validated on a worker thread, never on the event loop; the computed cost is reported
in `extensions.cost` of every response.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, parse
from graphql.language import FragmentDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

__all__ = ["DocumentCache", "DocumentGuard", "measure", "parse"]  # tests count their calls

from schema.edge.budgets import Charge
from schema.edge.limits import Limits
from schema.edge.measure import INTROSPECTION_LISTS, INTROSPECTION_ROOTS, Measure, measure

MEASURES_KEPT = 1024  # measures remembered, each of a document and variables of at most:
MEASURED_CHARS = 4096  # so at most some 4 MB of keys


@dataclass
class Checked:
    document: DocumentNode
    errors: list[GraphQLError]


class DocumentCache:
    """Least recently used parsed-and-validated documents, at most `max_bytes` of query text.

    Documents it has not seen are checked on its one worker thread: under the GIL, a thread per
    request would still take the event loop's turns, so at most one check competes with it."""

    def __init__(self, max_bytes: int) -> None:
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-check")
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, Checked] = OrderedDict()
        self._bytes = 0
        # (document, operation, variables as JSON) -> what it asks for, which never changes
        self.measures: OrderedDict[tuple[str, str | None, str], Measure] = OrderedDict()
        self._lock = threading.Lock()  # entries are added from worker threads

    def get(self, query: str) -> Checked | None:
        with self._lock:
            entry = self._entries.get(query)
            if entry is not None:
                self._entries.move_to_end(query)
            return entry

    def put(self, query: str, entry: Checked) -> None:
        size = len(query)
        if size > self._max_bytes:
            return
        with self._lock:
            if query in self._entries:
                return
            self._entries[query] = entry
            self._bytes += size
            while self._bytes > self._max_bytes:
                evicted, _ = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    @property
    def size_bytes(self) -> int:
        return self._bytes


def refusal(code: str, what: str, measured: int, limit: int, setting: str) -> GraphQLError:
    return GraphQLError(
        f"{what} is {measured}, over the limit of {limit} ({setting})",
        extensions={"code": code, "limit": limit, "measured": measured},
    )


def refusals(found: Measure, limits: Limits) -> list[GraphQLError]:
    checks = [
        ("QUERY_TOO_DEEP", "The operation's depth", found.depth, limits.max_depth,
         "DIPTYCH_MAX_DEPTH"),
        ("TOO_MANY_ALIASES", "The number of aliases", found.aliases, limits.max_aliases,
         "DIPTYCH_MAX_ALIASES"),
        ("TOO_MANY_DIRECTIVES", "The number of directives", found.directives,
         limits.max_directives, "DIPTYCH_MAX_DIRECTIVES"),
        ("QUERY_TOO_COMPLEX", "The operation's cost", found.cost, limits.max_cost,
         "DIPTYCH_MAX_COST"),
        ("INTROSPECTION_TOO_LARGE", "The number of __schema and __type fields",
         found.introspection_roots, INTROSPECTION_ROOTS, "fixed"),
        ("INTROSPECTION_TOO_LARGE", "The nesting of lists inside introspection",
         found.introspection_lists, INTROSPECTION_LISTS, "fixed"),
    ]
    return [refusal(*check) for check in checks if check[2] > check[3]]


class DocumentGuard(SchemaExtension):
    """Built per operation by strawberry (a factory, see schema/app.py); the cache is shared."""

    def __init__(self, limits: Limits, cache: DocumentCache) -> None:
        self._limits = limits
        self._cache = cache
        self._cost: int | None = None
        self._charge_made: Charge | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        # Bounds strawberry's own parse too, which runs when ours below failed (to report it).
        context.parse_options = {"max_tokens": self._limits.max_tokens}
        query = context.query
        if query is not None and context.graphql_document is None:
            entry = self._cache.get(query)
            if entry is None:
                entry = await asyncio.get_running_loop().run_in_executor(
                    self._cache.checker, self._check, query, context.validation_rules)
            if entry is not None:
                context.graphql_document = entry.document
        yield
        for error in context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and "tokens. Parsing aborted" in error.message:
                error.message = (
                    f"The document has more than {self._limits.max_tokens} tokens, over the "
                    "limit (DIPTYCH_MAX_TOKENS)"
                )
                error.extensions = {"code": "TOO_MANY_TOKENS", "limit": self._limits.max_tokens}

    def _check(self, query: str, rules: Any) -> Checked | None:
        """Parse and validate once per distinct document (on a worker thread)."""
        try:
            document = parse(query, max_tokens=self._limits.max_tokens)
        except GraphQLSyntaxError:
            return None  # strawberry parses it again, bounded, and reports the error
        entry = Checked(document, validate_document(self.execution_context.schema._schema,
                                                    document, tuple(rules)))
        self._cache.put(query, entry)
        return entry

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        query, document = context.query, context.graphql_document
        entry = self._cache.get(query) if query is not None else None
        if entry is None and document is not None:  # a document given already parsed
            errors = await asyncio.get_running_loop().run_in_executor(
                self._cache.checker, validate_document, context.schema._schema, document,
                tuple(context.validation_rules),
            )
            entry = Checked(document, errors)
        if entry is not None:
            errors = list(entry.errors)
            operations = [
                d for d in entry.document.definitions if isinstance(d, OperationDefinitionNode)
            ]
            # What the request named (strawberry's public `operation_name` falls back to the first).
            asked = context._provided_operation_name
            if not errors and len(operations) > 1 and asked is None:
                # strawberry would run the first; the spec says to refuse.
                errors = [GraphQLError(
                    "Must provide operation name if query contains multiple operations.",
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
                )]
            if not errors:
                found = self._measured(entry, query, operations, asked, context.variables)
                self._cost = found.cost
                if hasattr(context.context, "cost"):  # the answer cache keeps it with the answer
                    context.context.cost = found.cost
                errors = refusals(found, self._limits) or await self._charge(found.cost)
            context.pre_execution_errors = errors  # not None: strawberry validates no more
        yield

    def _measured(
        self, entry: Checked, query: str | None, operations: list[OperationDefinitionNode],
        name: str | None, variables: dict[str, Any] | None,
    ) -> Measure:
        """The measure of a small document asked again with the same variables is remembered
        (its cost depends on them: page sizes, periods), so it is not walked again."""
        try:
            text = json.dumps(variables, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            text = None
        if query is None or text is None or len(query) + len(text) > MEASURED_CHARS:
            return self._measure(entry.document, operations, name, variables)
        key, measures = (query, name, text), self._cache.measures
        found = measures.get(key)
        if found is None:
            found = self._measure(entry.document, operations, name, variables)
            measures[key] = found  # on the event loop, as every use of `measures`
            while len(measures) > MEASURES_KEPT:
                measures.popitem(last=False)
        else:
            measures.move_to_end(key)
        return found

    def _measure(
        self, document: DocumentNode, operations: list[OperationDefinitionNode],
        name: str | None, variables: dict[str, Any] | None,
    ) -> Measure:
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        chosen = next(
            (o for o in operations if name is None or (o.name and o.name.value == name)),
            operations[0],
        )
        return measure(self.execution_context.schema._schema, chosen, fragments, variables)

    async def _charge(self, cost: int) -> list[GraphQLError]:
        """Charge the caller's budget (schema/edge/budgets.py); a refusal when it cannot pay."""
        context = self.execution_context.context
        budgets = getattr(getattr(context, "services", None), "budgets", None)
        if budgets is None:
            return []
        charge = await budgets.charge(context.principal, context.client, cost)
        self._charge_made = charge
        if charge.allowed:
            return []
        return [GraphQLError(
            f"This operation costs {cost} points and your budget has {charge.remaining} of "
            f"{charge.limit} a minute left; retry in {charge.retry_after}s",
            extensions={"code": "RATE_LIMITED", "retryAfter": charge.retry_after},
        )]

    def get_results(self) -> dict[str, Any]:
        if self._cost is None:
            return {}
        cost: dict[str, Any] = {"requested": self._cost, "maximum": self._limits.max_cost}
        charge = self._charge_made
        if charge is not None and charge.limit:
            cost |= {"limit": charge.limit, "remaining": charge.remaining,
                     "resetAt": round(charge.reset_at, 3)}
        return {"cost": cost}
