"""graphql-core's executor with a short path for the commonest field there is: a scalar or enum
read straight off its object (strawberry's "basic" field: no resolver, arguments, permissions or
extensions of its own).

graphql-core resolves every field the same way: resolve info built, the resolver called through
its middleware, the value checked for an awaitable, completed by its type. For a leaf read off
a dataclass that is some 30 µs a field on this machine, and a year of sales by day has some
5,000 of them (364 of each bucket's sums and groups): 60% of that query's time. The short path
reads the value and coerces it with the field's own type; anything else (a null, a value its
type refuses, an awaitable, a middleware, any argument) takes graphql-core's own way, so that
errors, null checks and paths are graphql-core's. strawberry passes the class to graphql-core as
`executor_class`, the extension point graphql-core documents for customising execution.

An object's selection is planned once per request (`execute_fields`): which of its fields are
such leaves, so that each object reads its leaves in one loop, without a path, a field look-up
or a call per field; its other fields, and any leaf the loop cannot answer, go to
graphql-core's `execute_fields` together (and on to its `execute_field`, once), and the answer
keeps the selection's order.

A list of objects whose selection holds only such leaves, `__typename`, and lists of such
objects read off attributes too (a year of sales by day: 365 buckets, each with its groups) is
completed whole in one loop (`complete_list_value`); the first value that loop cannot answer
exactly (a null, an awaitable, a value its type refuses, anything but a list) sends the whole
list back to graphql-core's own completion, which reads the same attributes again and answers
with its own errors and paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    get_nullable_type,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_LEAVES: dict[int, tuple[GraphQLField, GraphQLLeafType | None]] = {}  # by id, with its field
Resolve = Callable[[Any, Any], Any]
Plan = list[tuple[str, Any, Resolve | None, GraphQLLeafType | None]]  # name, details, leaf's
# A flat list's item selection: name, details, read, and a leaf type, a list type, or a type name
Flat = list[tuple[str, Any, Resolve | None, GraphQLLeafType | GraphQLList[Any] | str]]


class _Slow(Exception):
    """The flat completion cannot answer this list exactly: graphql-core's way will."""


SLOW = object()  # what `_leaf_value` answers when graphql-core's way must answer instead


def _leaf_value(read: Resolve, source: Any, leaf: GraphQLLeafType, is_awaitable: Any) -> Any:
    """The field's value read off `source` and coerced as graphql-core's complete_leaf_value
    does; SLOW for anything that graphql-core answers otherwise: a read that raises, a null, an
    awaitable, an error returned as a value, a value its type refuses."""
    try:
        value = read(source, None)
        if value is None or isinstance(value, Exception) or is_awaitable(value):
            return SLOW
        coerced = leaf.coerce_output_value(value)
    except Exception:  # graphql-core's way reports it, at this field's path
        return SLOW
    return SLOW if coerced is None or coerced is Undefined else coerced


def plain_leaf(field: GraphQLField) -> GraphQLLeafType | None:
    """The field's leaf type when strawberry resolves it by reading an attribute, else None."""
    found = _LEAVES.get(id(field))
    if found is not None and found[0] is field:
        return found[1]
    nullable = get_nullable_type(field.type)
    plain = (_reads_attribute(field) and not field.args and is_leaf_type(nullable))
    leaf: GraphQLLeafType | None = nullable if plain else None  # type: ignore[assignment]
    _LEAVES[id(field)] = (field, leaf)
    return leaf


def _reads_attribute(field: GraphQLField) -> bool:
    """strawberry's basic field: no resolver, and no extensions (permission classes are one), so
    that its resolver only reads the attribute (`_is_default` alone also marks fields with
    extensions)."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return (getattr(field.resolve, "_is_default", False) and definition is not None
            and bool(getattr(definition, "is_basic_field", False)))


class LeafFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's own execution context (its default), with the short path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._leaf_plans: dict[tuple[str, int], tuple[Any, Plan | None]] = {}
        self._flat_plans: dict[tuple[str, int], tuple[Any, Flat | None]] = {}

    def complete_list_value(
        self, return_type: GraphQLList[Any], field_details_list: Any, info: Any, path: Path,
        result: Any, position_context: Any,
    ) -> Any:
        if type(result) is list:  # read twice at most: not an iterator, nor async
            try:
                return self._flat_list(return_type, field_details_list, result)
            except _Slow:
                pass
        return super().complete_list_value(return_type, field_details_list, info, path, result,
                                           position_context)

    def _flat_list(self, return_type: GraphQLList[Any], details: Any, items: list[Any]
                   ) -> list[Any]:
        item_type = get_nullable_type(return_type.of_type)
        if not isinstance(item_type, GraphQLObjectType) or item_type.is_type_of is not None:
            raise _Slow
        plan = self._flat_plan(item_type, details)
        if plan is None:
            raise _Slow
        is_awaitable = self.is_awaitable
        answers = []
        for item in items:
            if item is None or is_awaitable(item):
                raise _Slow
            answer: dict[str, Any] = {}
            for name, field_details, read, kind in plan:
                if read is None:  # __typename
                    answer[name] = kind
                    continue
                if isinstance(kind, GraphQLList):
                    try:
                        value = read(item, None)
                    except Exception as failed:
                        raise _Slow from failed
                    if type(value) is not list:
                        raise _Slow
                    answer[name] = self._flat_list(kind, field_details, value)
                    continue
                coerced = _leaf_value(read, item, kind, is_awaitable)  # type: ignore[arg-type]
                if coerced is SLOW:
                    raise _Slow
                answer[name] = coerced
            answers.append(answer)
        return answers

    def _flat_plan(self, object_type: GraphQLObjectType, details: Any) -> Flat | None:
        """How to read each field an item of a flat list selects; None when one is not read
        off an attribute, or the selection defers anything."""
        grouped, defers, _ = self.collect_subfields(object_type, details)
        key = (object_type.name, id(grouped))
        found = self._flat_plans.get(key)
        if found is not None and found[0] is grouped:
            return found[1]
        plan = None if defers else self._flat_fields(object_type, grouped)
        self._flat_plans[key] = (grouped, plan)
        return plan

    def _flat_fields(self, object_type: GraphQLObjectType, grouped: Any) -> Flat | None:
        plan: Flat = []
        for name, field_details in grouped.items():
            node = field_details[0].node
            if node.arguments:
                return None
            if node.name.value == "__typename":
                plan.append((name, field_details, None, object_type.name))
                continue
            field = self.schema.get_field(object_type, node.name.value)
            read = self._plain(field) if field is not None else None
            if field is None or read is None:
                return None
            kind: GraphQLLeafType | GraphQLList[Any] | None = plain_leaf(field)
            if kind is None:
                nullable = get_nullable_type(field.type)
                if not isinstance(nullable, GraphQLList):
                    return None
                kind = nullable
            plan.append((name, field_details, read, kind))
        return plan

    def _plain(self, field: GraphQLField) -> Resolve | None:
        """The field's resolver when it reads an attribute and no middleware wraps it."""
        resolve = field.resolve
        if (resolve is None or not _reads_attribute(field) or field.args
                or (self.middleware_manager is not None
                    and self.middleware_manager.get_field_resolver(resolve) is not resolve)):
            return None
        return resolve

    def execute_fields(
        self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
        grouped_field_set: Any, position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:  # no plain leaf in this selection
            return super().execute_fields(parent_type, source_value, path, grouped_field_set,
                                          position_context)
        fast: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for name, details, resolve, leaf in plan:
            if resolve is not None and leaf is not None:
                coerced = _leaf_value(resolve, source_value, leaf, self.is_awaitable)
                if coerced is not SLOW:
                    fast[name] = coerced
                    continue
            rest[name] = details
        if not rest:
            return fast
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(others):
            async def merged() -> dict[str, Any]:
                return _in_order(plan, fast, await others)

            return merged()
        return _in_order(plan, fast, others)  # type: ignore[arg-type]  # not awaitable

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """Memoised per selection, as graphql-core memoises the selections themselves (kept
        alive with their plan, so that their ids cannot be reused meanwhile)."""
        plans = self._leaf_plans
        key = (parent_type.name, id(grouped_field_set))
        found = plans.get(key)
        if found is not None and found[0] is grouped_field_set:
            return found[1]
        plan: Plan = []
        for name, details in grouped_field_set.items():
            node = details[0].node
            field = self.schema.get_field(parent_type, node.name.value)
            leaf = plain_leaf(field) if field is not None and not node.arguments else None
            resolve = self._plain(field) if field is not None and leaf is not None else None
            plan.append((name, details, resolve, leaf if resolve is not None else None))
        planned = plan if any(leaf is not None for _, _, _, leaf in plan) else None
        plans[key] = (grouped_field_set, planned)
        return planned


def _in_order(plan: Plan, fast: Mapping[str, Any], others: Mapping[str, Any]) -> dict[str, Any]:
    """The object's answer in its selection's order (a field graphql-core left out, as
    Undefined, stays out)."""
    return {name: fast[name] if name in fast else others[name]
            for name, _, _, _ in plan if name in fast or name in others}
