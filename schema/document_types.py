"""`DocumentType` and the `Document` union: the document kinds that some schema/*_operations.py
shows with a GraphQL type (schema/graph_kinds.py), and only those.

Built from every declaration, freshness_operations.py's included: the freshness types refer to
these lazily (`strawberry.lazy`), so that this module is first imported when the schema is
built, once every declaration is known.
"""

from __future__ import annotations

import operator
from enum import Enum
from functools import reduce
from typing import Annotated, cast

import strawberry

from schema.graph_kinds import documents

# Enum's functional API: mypy types the call as an instance when the members are not literal.
DocumentType = strawberry.enum(
    cast("type[Enum]", Enum("DocumentType", [(kind.upper(), kind) for kind in documents()]))
)

# `A | B | C` of every declared type: a strawberry union is an annotation, here built at run
# time, so Python code sees an object (only the schema reads it).
Document: object = Annotated[
    reduce(operator.or_, documents().values()), strawberry.union("Document")
]
