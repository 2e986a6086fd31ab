"""What one GraphQL operation asks for, measured before any work is done (schema/edge/limits.py
says how much it may).

Depth, aliases, directives and a static cost are counted in one pass over the document that
visits each fragment once per page size (memoised), so a fan-out of fragment spreads costs no
more to measure than to read. strawberry's QueryDepthLimiter walks a fragment again at every
spread: 41 fragments each spreading the next twice (2.5 KB) never finish.

Cost (Shopify's model): every field that returns an object costs 1, a scalar nothing; a list
costs its expected length times its items; a connection's `edges` are as many as its `first`
asks for (or its default, at most the largest page); a sales summary's buckets as many as its
period holds; a mutation field adds `MUTATION_COST` for the transaction it opens.
Introspection (`__schema`, `__type`) costs nothing and is not counted in depth, so GraphiQL can
load the schema, but an operation holds at most
`INTROSPECTION_ROOTS` of them, each nesting at most `INTROSPECTION_LISTS` lists: enough for the
standard introspection query, too few for a `fields { type { fields ... } } }` explosion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from read.query.paging import MAX_PAGE
from read.query.sales_queries import MAX_BUCKETS
from write.domain_limits import ORDER_LINES_MAX

MUTATION_COST = 10
INTROSPECTION_ROOTS = 2
INTROSPECTION_LISTS = 3
DEFAULT_LIST_SIZE = 20
# Expected lengths of the lists that take no `first`; a list missing here counts DEFAULT_LIST_SIZE
# (tests/unit/test_schema_limits.py lists every list field of the schema, so none is forgotten).
LIST_SIZES = {
    ("Query", "salesSummary"): MAX_BUCKETS,  # counted from its period; this many if unknown
    ("SalesBucket", "groups"): 10,
    ("ProductFacets", "category"): DEFAULT_LIST_SIZE,
    ("ProductFacets", "priceRange"): 8,
    ("OrderFacets", "status"): 3,
    ("Order", "lines"): ORDER_LINES_MAX,
    ("InvalidInput", "fieldErrors"): 8,
    ("ProjectionStatus", "sources"): 8,  # the default 4 shards, direct sync, the log, and room
    ("Query", "parkedEvents"): 100,  # its `first`, by default
}


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0
    introspection_roots: int = 0
    introspection_lists: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.directives + other.directives,
            self.cost + other.cost,
            self.introspection_roots + other.introspection_roots,
            max(self.introspection_lists, other.introspection_lists),
        )


EMPTY = Measure()


class Measurer:
    """Measures one operation of a validated document (unknown names cannot occur)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues | None,
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._variables = variables
        self._memo: dict[tuple[str, int | None, bool], Measure] = {}

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        root = self._schema.get_root_type(operation.operation)
        assert root is not None  # validation refused operations the schema has no root for
        measure = self._selections(operation.selection_set, root, None, False)
        measure += Measure(directives=len(operation.directives or ()))
        if operation.operation is OperationType.MUTATION:
            fields = sum(isinstance(s, FieldNode) for s in operation.selection_set.selections)
            measure += Measure(cost=MUTATION_COST * fields)
        return measure

    def _selections(
        self, selection_set: SelectionSetNode, parent: Any, page: int | None, introspecting: bool
    ) -> Measure:
        total = EMPTY
        for node in selection_set.selections:
            directives = Measure(directives=len(node.directives or ()))
            if isinstance(node, FieldNode):
                total += self._field(node, parent, page, introspecting) + directives
            elif isinstance(node, InlineFragmentNode):
                on = parent
                if node.type_condition is not None:
                    on = self._schema.get_type(node.type_condition.name.value)
                total += self._selections(node.selection_set, on, page, introspecting)
                total += directives
            elif isinstance(node, FragmentSpreadNode):
                total += self._spread(node.name.value, page, introspecting) + directives
        return total

    def _spread(self, name: str, page: int | None, introspecting: bool) -> Measure:
        key = (name, page, introspecting)
        if key not in self._memo:
            fragment = self._fragments[name]
            on = self._schema.get_type(fragment.type_condition.name.value)
            self._memo[key] = self._selections(fragment.selection_set, on, page, introspecting)
        return self._memo[key]

    def _field(
        self, node: FieldNode, parent: Any, page: int | None, introspecting: bool
    ) -> Measure:
        name = node.name.value
        aliases = Measure(aliases=1 if node.alias is not None else 0)
        if name == "__typename":
            return aliases
        root = name in ("__schema", "__type")
        definition = (
            self._schema.get_field(parent, name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else None
        )
        assert definition is not None  # the document is validated
        field_type = get_nullable_type(definition.type)
        is_list = is_list_type(field_type)
        arguments = self._arguments(definition, node) if node.arguments or definition.args else {}
        child_page = _page(arguments) if "first" in definition.args else None
        children = EMPTY
        if node.selection_set is not None:
            children = self._selections(
                node.selection_set, get_named_type(field_type), child_page,
                introspecting or root,
            )
        if introspecting or root:
            lists = children.introspection_lists + (1 if is_list else 0)
            return aliases + Measure(
                aliases=children.aliases, directives=children.directives,
                introspection_roots=children.introspection_roots + (1 if root else 0),
                introspection_lists=lists,
            )
        size = 1
        if is_list and page is not None:
            size = page
        elif is_list and (parent.name, name) == ("Query", "salesSummary"):
            size = self._buckets(arguments)
        elif is_list:
            size = LIST_SIZES.get((parent.name, name), DEFAULT_LIST_SIZE)
        own = 0 if node.selection_set is None else 1  # a scalar is read off its parent object
        return aliases + Measure(
            depth=children.depth + 1,
            aliases=children.aliases,
            directives=children.directives,
            cost=size * (own + children.cost) + _listed(arguments),
            introspection_roots=children.introspection_roots,
            introspection_lists=children.introspection_lists,
        )

    def _buckets(self, arguments: dict[str, Any] | None) -> int:
        """How many buckets a sales summary answers: its period in days, weeks or months."""
        first, last = (arguments or {}).get("from"), (arguments or {}).get("to")
        interval = (arguments or {}).get("interval")
        if not isinstance(first, date) or not isinstance(last, date):
            return LIST_SIZES[("Query", "salesSummary")]
        days = max(1, (last - first).days + 1)
        per = {"DAY": 1, "WEEK": 7, "MONTH": 28}.get(getattr(interval, "name", ""), 1)
        return min(MAX_BUCKETS, days // per + 2 if per > 1 else days)

    def _arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
        """The field's arguments as execution will see them: variables coerced, defaults
        applied (a variable's own default included), `100.0` read as the Int 100."""
        try:
            return get_argument_values(definition, node, self._variables)
        except Exception:
            return None


def _page(arguments: dict[str, Any] | None) -> int:
    """The page size a connection asks for; beyond the largest page the field refuses the
    argument itself (a clearer error than a cost refusal), so it counts as the largest."""
    first = (arguments or {}).get("first")
    return min(first, MAX_PAGE) if isinstance(first, int) and first >= 0 else MAX_PAGE


def _listed(arguments: dict[str, Any] | None) -> int:
    """Items passed in list arguments (`ids`, order `lines`): each is work of its own."""
    return sum(len(v) for v in (arguments or {}).values() if isinstance(v, list))


def measure(
    schema: GraphQLSchema, operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any] | None,
) -> Measure:
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    # Variables that do not coerce stop the operation before it runs: nothing to bound then.
    return Measurer(schema, fragments, None if isinstance(coerced, list) else coerced).operation(
        operation)
