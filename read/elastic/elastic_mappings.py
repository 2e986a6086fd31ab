"""How documents are laid out in Elasticsearch: one physical index per kind, plus checkpoints.

Physical index names carry a fingerprint of the layout (`diptych-product-v<fingerprint>`), so a
changed layout starts in new, empty indices that catch-up fills from the event log, while processes
still running the old code keep the old ones. An alias without the fingerprint (`diptych-product`)
names the newest layout for people and tools; the adapter itself always addresses its own layout.

A document's source holds the body whole under `body` (kept, never indexed), a copy of each
indexed field at the top level, and two reserved fields: `diptych_live` (false for a tombstone)
and `diptych_tb` (the tie-breaker of `read.ordering`). The external version is Elasticsearch's
own `_version`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError

from read.documents import FieldType, IndexSpec
from read.index import JSON, Delete, Document, Upsert
from read.ordering import tie_breaker
from read.projection.projection_kinds import specs

LAYOUT = 1  # bump when the source shape changes without a mapping change
ANALYZER = "diptych_text"
# No leading underscore: Elasticsearch reserves those names for its metadata by convention, and
# Kibana, transforms and wildcard field patterns skip them.
LIVE, TIE, BODY = "diptych_live", "diptych_tb", "body"
CHECKPOINTS, POSITION = "checkpoints", "position"

# Text is analysed as by the embedded index (tantivy's simple tokenizer, remove_long(40),
# lowercase, ascii_fold): runs of letters and digits, so "ada@example.com" is ada, example, com.
# One shard: BM25 statistics are per shard, so on several shards equal documents could score
# differently by where they live, and a relevance order would not be one order.
SETTINGS: JSON = {
    "number_of_shards": 1,
    "auto_expand_replicas": "0-1",
    "analysis": {
        "tokenizer": {
            "diptych_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"},
        },
        "filter": {
            "diptych_not_too_long": {"type": "length", "max": 39},
        },
        "analyzer": {
            ANALYZER: {
                "type": "custom",
                "tokenizer": "diptych_words",
                "filter": ["diptych_not_too_long", "lowercase", "asciifolding"],
            }
        },
    },
}

_FIELD_MAPPINGS: dict[FieldType, JSON] = {
    FieldType.TEXT: {"type": "text", "analyzer": ANALYZER},
    FieldType.KEYWORD: {"type": "keyword"},
    FieldType.INTEGER: {"type": "long"},
}

CHECKPOINT_MAPPINGS: JSON = {"dynamic": "strict", "properties": {POSITION: {"type": "long"}}}

_PREFIX = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def document_mappings(spec: IndexSpec) -> JSON:
    """`strict`: a source field the mapping does not know is refused, never guessed."""
    properties: JSON = {
        LIVE: {"type": "boolean"},
        TIE: {"type": "long"},
        BODY: {"type": "object", "enabled": False},
    }
    properties |= {field.name: dict(_FIELD_MAPPINGS[field.type]) for field in spec.fields}
    return {"dynamic": "strict", "properties": properties}


def layouts() -> dict[str, JSON]:
    """The mappings of every physical index, by the name it has in index names."""
    if CHECKPOINTS in specs():
        raise ValueError(f"a document kind may not be called {CHECKPOINTS!r}")
    kinds = {kind: document_mappings(spec) for kind, spec in sorted(specs().items())}
    return kinds | {CHECKPOINTS: CHECKPOINT_MAPPINGS}


@cache
def fingerprint() -> str:
    """Changes whenever the layout does; the physical index names carry it."""
    layout = {"layout": LAYOUT, "settings": SETTINGS, "mappings": layouts()}
    return hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Names:
    """Index and alias names under one prefix (a unique prefix per test keeps tests apart)."""

    prefix: str

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            raise ValueError(
                f"index prefix {self.prefix!r}: use lower-case letters, digits, '-', '_' or '.'"
            )

    def index(self, name: str) -> str:
        return f"{self.prefix}-{name}-v{fingerprint()}"

    def alias(self, name: str) -> str:
        return f"{self.prefix}-{name}"


def source(write: Upsert | Delete) -> JSON:
    """The stored source of a write; a delete becomes a tombstone, never an Elasticsearch delete,
    because Elasticsearch forgets a deleted document's version after `index.gc_deletes` (60s),
    after which an older upsert would be accepted and resurrect the document."""
    tie = tie_breaker(write.kind, write.id)
    if isinstance(write, Delete):
        return {LIVE: False, TIE: tie}
    spec = specs()[write.kind]
    fields = {field.name: _value(write, field.name, field.type) for field in spec.fields}
    return {LIVE: True, TIE: tie, BODY: write.body} | fields


def _value(write: Upsert, name: str, type_: FieldType) -> Any:
    value: Any = write.body.get(name)
    if value is None:
        raise ValueError(f"document {write.kind}/{write.id} has no value for indexed field {name}")
    return int(value) if type_ is FieldType.INTEGER else str(value)


def document(kind: str, id: str, version: int, stored: JSON) -> Document | None:
    """The live document of a stored source, or None for a tombstone."""
    if not stored.get(LIVE):
        return None
    return Document(kind, id, version, stored[BODY])


async def create_index(client: AsyncElasticsearch, names: Names, name: str) -> None:
    """Create a physical index with its alias, unless it exists. Processes may race to create
    it: the losers get `resource_already_exists_exception`, and only the creator goes on to take
    the alias from the indices of older layouts, in one atomic alias update."""
    index, alias = names.index(name), names.alias(name)
    try:
        await client.indices.create(
            index=index, mappings=layouts()[name], settings=SETTINGS, aliases={alias: {}}
        )
    except BadRequestError as error:
        if error.error != "resource_already_exists_exception":
            raise
        return
    try:
        older = [i for i in (await client.indices.get_alias(name=alias)).body if i != index]
        if older:
            await client.indices.update_aliases(
                actions=[{"remove": {"indices": older, "alias": alias, "must_exist": False}}]
            )
    except NotFoundError:
        pass  # another process moved or removed it first
