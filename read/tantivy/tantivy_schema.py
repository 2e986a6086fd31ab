"""How documents of every kind are laid out in the one tantivy index that holds them all.

One index (not one per kind) so that a batch of documents and the projector's checkpoint are
committed together. Reserved fields start with `_`; every other field comes from read/documents.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import tantivy

from read.documents import FieldType
from read.index import JSON, Delete, Document, Upsert
from read.ordering import tie_breaker
from read.projection.projection_kinds import specs

ANALYZER = "diptych"
KEY, KIND, ID, BODY = "_key", "_kind", "_id", "_body"
VERSION, LIVE, TIE = "_version", "_live", "_tb"
CHECKPOINT_KIND = "_checkpoint"


def analyzer() -> tantivy.TextAnalyzer:
    """Words, lower-cased and folded to ASCII ("José" finds "jose"), alike at index and query time.
    Elasticsearch's mapping uses the same chain: standard tokenizer, lowercase, asciifolding."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def field_types() -> dict[str, FieldType]:
    types: dict[str, FieldType] = {}
    for spec in specs().values():
        for field in spec.fields:
            if types.setdefault(field.name, field.type) is not field.type:
                raise ValueError(f"field {field.name!r} has two types across document kinds")
    return types


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(KEY, stored=True, tokenizer_name="raw")
    builder.add_text_field(KIND, stored=True, tokenizer_name="raw")
    builder.add_text_field(ID, stored=True, tokenizer_name="raw")
    builder.add_integer_field(VERSION, stored=True, indexed=True, fast=True)
    builder.add_integer_field(LIVE, indexed=True, fast=True)
    builder.add_integer_field(TIE, indexed=True, fast=True)
    builder.add_bytes_field(BODY, stored=True)
    for name, type_ in field_types().items():
        if type_ is FieldType.TEXT:
            builder.add_text_field(name, tokenizer_name=ANALYZER)
        elif type_ is FieldType.KEYWORD:
            builder.add_text_field(name, fast=True, tokenizer_name="raw")
        else:
            builder.add_integer_field(name, indexed=True, fast=True)
    return builder.build()


def fingerprint() -> str:
    """Changes whenever the layout does; the index lives in a directory named after it."""
    layout = {"fields": {k: v.value for k, v in sorted(field_types().items())}, "layout": 1}
    return hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:12]


def key(kind: str, id: str) -> str:
    return f"{kind}/{id}"


@functools.cache
def keyword_fields(kind: str) -> frozenset[str]:
    """The fields of `kind` a `Term` matches exactly as text (none for an unknown kind)."""
    spec = specs().get(kind)
    fields = spec.fields if spec else ()
    return frozenset(f.name for f in fields if f.type is FieldType.KEYWORD)


def scopes_of(kind: str, body: JSON | None) -> list[tuple[str, str, str]]:
    """The (kind, keyword field, value) scopes a document belongs to, its values as indexed
    (`_add`); none for an absent document or a tombstone (tantivy_generations.py)."""
    if body is None:
        return []
    return [(kind, name, str(body[name])) for name in keyword_fields(kind)
            if body.get(name) is not None]


def to_tantivy(write: Upsert | Delete) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text(KEY, key(write.kind, write.id))
    doc.add_text(KIND, write.kind)
    doc.add_text(ID, write.id)
    doc.add_integer(VERSION, write.version)
    doc.add_integer(TIE, tie_breaker(write.kind, write.id))
    if isinstance(write, Delete):  # a tombstone: remembers the version, matches no search
        doc.add_integer(LIVE, 0)
        return doc
    doc.add_integer(LIVE, 1)
    doc.add_bytes(BODY, json.dumps(write.body, separators=(",", ":")).encode())
    spec = specs()[write.kind]
    for field in spec.fields:
        _add(doc, field.name, field.type, write.body, write)
    return doc


def _add(doc: tantivy.Document, name: str, type_: FieldType, body: JSON, write: Upsert) -> None:
    value: Any = body.get(name)
    if value is None:
        raise ValueError(f"document {write.kind}/{write.id} has no value for indexed field {name}")
    if type_ is FieldType.INTEGER:
        doc.add_integer(name, int(value))
    else:
        doc.add_text(name, str(value))


def checkpoint_document(name: str, position: int) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text(KEY, key(CHECKPOINT_KIND, name))
    doc.add_text(KIND, CHECKPOINT_KIND)
    doc.add_text(ID, name)
    doc.add_integer(VERSION, position)
    doc.add_integer(LIVE, 0)
    return doc


def from_tantivy(stored: tantivy.Document) -> tuple[Document | None, int]:
    """The live document (None for a tombstone) and the stored version."""
    version = int(stored.get_first(VERSION) or 0)
    body = stored.get_first(BODY)
    if body is None:
        return None, version
    kind, id_ = str(stored.get_first(KIND)), str(stored.get_first(ID))
    return Document(kind, id_, version, json.loads(body)), version


def stored_by_key(
    searcher: tantivy.Searcher, schema: tantivy.Schema, keys: Sequence[str]
) -> dict[str, tuple[Document | None, int]]:
    """Each key's stored document (None for a tombstone) and version; absent keys left out."""
    if not keys:
        return {}
    query = tantivy.Query.term_set_query(schema, KEY, list(keys))
    found = {}
    for _, address in searcher.search(query, len(keys)).hits:
        stored = searcher.doc(address)
        found[str(stored.get_first(KEY))] = from_tantivy(stored)
    return found
