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


def _fields(**types: FieldType) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name, type_) for name, type_ in types.items())


TEXT, KEYWORD, INTEGER = FieldType.TEXT, FieldType.KEYWORD, FieldType.INTEGER

USER = "user"
PRODUCT = "product"

# Body of a user document:
#   {id, name, email, status: "active"|"deactivated", registered_at: ISO-8601,
#    name_key: lower-cased name (sorting), registered_ms: epoch milliseconds (sorting)}
USER_SPEC = IndexSpec(
    USER,
    _fields(
        name=TEXT,
        email=TEXT,
        status=KEYWORD,
        email_key=KEYWORD,
        name_key=KEYWORD,
        registered_ms=INTEGER,
    ),
)

# Body of a product document:
#   {id, sku, name, description, category, price: "12.50" (decimal string), price_cents: 1250,
#    stock, status: "active"|"discontinued", added_at: ISO-8601, name_key, added_ms}
PRODUCT_SPEC = IndexSpec(
    PRODUCT,
    _fields(
        name=TEXT,
        description=TEXT,
        sku_text=TEXT,
        sku=KEYWORD,
        category=KEYWORD,
        status=KEYWORD,
        name_key=KEYWORD,
        price_cents=INTEGER,
        stock=INTEGER,
        added_ms=INTEGER,
    ),
)

SPECS: dict[str, IndexSpec] = {spec.kind: spec for spec in (USER_SPEC, PRODUCT_SPEC)}
