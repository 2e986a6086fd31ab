"""The schema extension that answers a query from the answer cache (schema/edge/answer_cache.py)
when it may, and keeps the answers it may keep.

It runs at execution, after the document guard's limits and budget charge (a kept answer costs
the caller what running it would). An operation is keepable when:
- it is a query over HTTP (a WebSocket connection shares one context between its operations);
- no `consistency` argument is given a token, literally, by a variable or by its default (a
  token's wait must happen; `consistency: $token` with no token given is keepable);
- each root field is a read-model field (schema/read_model.py), which reads the index and
  nothing else: `projectionStatus` or `parkedEvents` never are.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLSchema,
    NullValueNode,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.edge.answer_cache import AnswerCache, Key, answer_key
from schema.read_model import ReadModelField

# per schema: its read-model root fields
_READ_MODEL_ROOTS: weakref.WeakKeyDictionary[GraphQLSchema, frozenset[str]] = (
    weakref.WeakKeyDictionary())


def read_model_roots(schema: GraphQLSchema) -> frozenset[str]:
    found = _READ_MODEL_ROOTS.get(schema)
    if found is None:
        fields = schema.query_type.fields if schema.query_type else {}
        found = frozenset(
            name for name, field in fields.items()
            if any(isinstance(extension, ReadModelField) for extension in getattr(
                field.extensions.get("strawberry-definition"), "extensions", ()))
        )
        _READ_MODEL_ROOTS[schema] = found
    return found


class AnswerReuse(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        answers: AnswerCache | None = getattr(getattr(context, "services", None), "answers", None)
        key = self._key(answers) if answers is not None and answers.enabled else None
        if answers is None or key is None:
            yield
            return
        # Over HTTP the endpoint looked it up already (and sent it if kept); this serves others.
        kept = None if context.answer_asked else answers.get(key, context.services.index.generation)
        if kept is not None:
            execution.result = ExecutionResult(data=json.loads(kept.data))
            yield
            return
        answers.missed()
        context.reads = {}
        try:
            yield
        finally:
            reads, context.reads = context.reads, None
        result = execution.result
        if (isinstance(result, ExecutionResult) and not result.errors and result.data
                and context.cost is not None):
            context.answer_kept = answers.put(key, result.data, context.cost, reads)

    def _key(self, answers: AnswerCache) -> Key | None:
        execution = self.execution_context
        context, query = execution.context, execution.query
        if (getattr(context, "websocket", True) is not None or query is None
                or execution.graphql_document is None
                or execution.operation_type is not OperationType.QUERY):
            return None
        document, variables = execution.graphql_document, execution.variables or {}
        name = execution._provided_operation_name
        operation = next(
            (d for d in document.definitions
             if isinstance(d, OperationDefinitionNode)
             and (name is None or (d.name is not None and d.name.value == name))), None)
        if operation is None or (
                "consistency" in query and waits_for_token(document, operation, variables)):
            return None
        roots = read_model_roots(execution.schema._schema)
        for selection in operation.selection_set.selections:
            if not isinstance(selection, FieldNode) or (
                    selection.name.value not in roots and selection.name.value != "__typename"):
                return None
        return answer_key(query, name, variables, context.principal)


def waits_for_token(document: DocumentNode, operation: OperationDefinitionNode,
                    variables: dict[str, Any]) -> bool:
    """Whether any `consistency` argument in the document may carry a token when `operation`
    runs: a literal, or a variable that was given one or that `operation` defaults to one. Such
    an operation must wait, and is never answered here."""
    defaults = {definition.variable.name.value: definition.default_value
                for definition in operation.variable_definitions or ()}
    found = False

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            nonlocal found
            if node.name.value != "consistency" or isinstance(node.value, NullValueNode):
                return
            if isinstance(node.value, VariableNode):
                name = node.value.name.value
                given = variables[name] if name in variables else defaults.get(name)
                if given is None or isinstance(given, NullValueNode):
                    return
            found = True

    visit(document, Arguments())
    return found
