"""Index names, field mappings and document shapes, shared by the queries and the projections.

A document body is a JSON object. The fields listed in a kind's `IndexSpec` are indexed from the
body's keys of the same name; everything else is only stored and returned.

- TEXT: analysed full text, searched by `SearchRequest.text` (lower-cased words).
- KEYWORD: exact string; usable in `Term` filters, facets and sorting.
- INTEGER: signed 64-bit; usable in `Term`/`Range` filters and sorting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FieldType(Enum):
    TEXT = "text"
    KEYWORD = "keyword"
    INTEGER = "integer"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType


@dataclass(frozen=True)
class IndexSpec:
    kind: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


TEXT, KEYWORD, INTEGER = FieldType.TEXT, FieldType.KEYWORD, FieldType.INTEGER


def fields(**types: FieldType) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name, type_) for name, type_ in types.items())


# Every body holds `id`, `version` (the version of its own aggregate that it reflects) and
# `sources`: {"<AggregateType>/<id>": version} for every aggregate whose events shaped it (its own
# included). A projection applies an event to a document only if it is the next version of that
# source, which keeps documents fed by several aggregates idempotent and in order.
