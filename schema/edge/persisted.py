"""Persisted documents: Apollo's automatic persisted queries (APQ) and trusted documents.

APQ: a request with `extensions.persistedQuery = {"version": 1, "sha256Hash": ...}` and no query
runs the stored text; an unknown hash answers `PersistedQueryNotFound` and the client sends the
text with the hash once (checked, stored, run). Apollo Client reads that error whatever the status
(before 3.8 a 400 turned APQ off for good, but it sent `Accept: */*` then, answered 200 here).
The store is memory, per process, bounded by bytes (least recently used out first), and not the
database: a miss is harmless (the client resends, one round trip more), so a restart or another
replica loses nothing, while a table would put a write-store read on the path of queries the read
side answers alone, and need a bound and eviction of its own since anyone may register. It is
used from the event loop only.

Trusted documents (`DIPTYCH_TRUSTED_DOCUMENTS=only`): only the manifest's documents run (imported
with `diptych documents import`, read once at start), named by hash (the APQ extension, or
`documentId`, bare or `sha256:<hex>`) or sent as text whose SHA-256 is in it; admins may send
others unless `DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC=false`; APQ registers nothing.
WebSockets are out of scope for APQ (their `extensions` are not read); with `only`, schema/app.py
checks every subscribe message with the same `resolve`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLSyntaxError, parse

from schema.access.authentication import Principal, Role

MANIFEST_FILE = "trusted-documents.json"
APOLLO_FORMAT = "apollo-persisted-query-manifest"
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
UNTRUSTED = "This document is not trusted (DIPTYCH_TRUSTED_DOCUMENTS=only)"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Refusal:
    """Why a request runs nothing. A `request_error` (a malformed request) is a 400 for every
    client; the others are 400 for graphql-response+json clients and 200 for application/json."""

    code: str
    message: str
    request_error: bool = False


NOT_FOUND = Refusal("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
NO_QUERY = Refusal("BAD_REQUEST", "No GraphQL query found in the request", request_error=True)


def _bad(message: str) -> Refusal:
    return Refusal("BAD_REQUEST", message, request_error=True)


class ManifestError(ValueError):
    """A manifest that cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class Manifest:
    documents: Mapping[str, str]  # each body by its id and by its SHA-256
    count: int  # entries in the file

    def get(self, key: str) -> str | None:
        return self.documents.get(key.lower() if SHA256.fullmatch(key) else key)


def parse_manifest(raw: bytes) -> Manifest:
    """Apollo's persisted-query manifest or Relay's `{"<id>": "<query text>"}`; an id with the
    shape of a SHA-256 must be the SHA-256 of its body, and every body must parse."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON
        raise ManifestError(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ManifestError("expected an object: Apollo's persisted-query manifest or Relay's "
                            "{id: query text}")
    entries = _apollo(data) if "format" in data else _relay(data)
    if not entries:
        raise ManifestError("it holds no documents")
    documents: dict[str, str] = {}
    for id, body in entries:
        try:
            parse(body, no_location=True)
        except GraphQLSyntaxError as error:
            raise ManifestError(f"document {id!r} does not parse: {error.message}") from error
        key, digest = (id.lower() if SHA256.fullmatch(id) else id), sha256(body)
        if SHA256.fullmatch(key) and key != digest:
            raise ManifestError(f"document {id!r}: its id is not the SHA-256 of its body "
                                f"({digest})")
        if documents.get(key, body) != body:
            raise ManifestError(f"the id {id!r} names two different documents")
        documents[key] = documents[digest] = body
    return Manifest(documents, len(entries))


def _apollo(data: dict[str, Any]) -> list[tuple[str, str]]:
    if data["format"] != APOLLO_FORMAT:
        raise ManifestError(f"unknown format {data['format']!r} (expected {APOLLO_FORMAT!r})")
    if data.get("version") != 1 or isinstance(data.get("version"), bool):
        raise ManifestError(f"version {data.get('version')!r} of Apollo's manifest is unknown "
                            "(expected 1)")
    operations = data.get("operations")
    if not isinstance(operations, list):
        raise ManifestError("'operations' must be a list")
    entries = []
    for n, operation in enumerate(operations):
        if not (isinstance(operation, dict) and isinstance(operation.get("id"), str)
                and isinstance(operation.get("body"), str)
                and operation.get("type", "query") in ("query", "mutation", "subscription")):
            raise ManifestError(f"operation {n} needs a string 'id' and 'body', and a 'type' "
                                "of query, mutation or subscription")
        if not SHA256.fullmatch(operation["id"]):
            raise ManifestError(f"operation {n}: its id {operation['id']!r} is not a SHA-256")
        entries.append((operation["id"], operation["body"]))
    return entries


def _relay(data: dict[str, Any]) -> list[tuple[str, str]]:
    for id, body in data.items():
        if not id or not isinstance(body, str):
            raise ManifestError(f"{id!r}: Relay's manifest maps ids to query text")
    return list(data.items())


def load_manifest(path: Path) -> Manifest:
    return parse_manifest(path.read_bytes())  # OSError when it cannot be read


def import_manifest(source: Path, target: Path) -> Manifest:
    """Check `source` and copy it to `target` (replaced whole, never half-written)."""
    try:
        raw = source.read_bytes()
        manifest = parse_manifest(raw)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(raw)
        os.replace(partial, target)
    except OSError as error:
        raise ManifestError(f"{error.strerror or error} ({error.filename})") from error
    return manifest


class QueryStore:
    """APQ's documents by SHA-256, at most `max_bytes` of UTF-8 text."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._texts: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self.size_bytes = 0

    def get(self, digest: str) -> str | None:
        if digest in self._texts:
            self._texts.move_to_end(digest)
        return self._texts[digest][0] if digest in self._texts else None

    def put(self, digest: str, text: str) -> None:
        size = len(text.encode("utf-8"))
        if size > self._max_bytes or self.get(digest) is not None:
            return
        self._texts[digest] = (text, size)
        self.size_bytes += size
        while self.size_bytes > self._max_bytes:
            self.size_bytes -= self._texts.popitem(last=False)[1][1]


class Documents:
    """Which query text a request runs; `manifest` None is `DIPTYCH_TRUSTED_DOCUMENTS=off`."""

    def __init__(self, manifest: Manifest | None = None, admin_adhoc: bool = True,
                 apq_cache_bytes: int = 2_000_000) -> None:
        self.manifest = manifest
        self.admin_adhoc = admin_adhoc
        self.store = QueryStore(apq_cache_bytes)

    @property
    def trusted_only(self) -> bool:
        return self.manifest is not None

    def resolve(self, params: Mapping[str, Any], principal: Principal) -> str | Refusal:
        """The text to run for a request's `query`, `documentId` and `extensions`, or why not."""
        query, document_id = params.get("query") or None, params.get("documentId") or None
        extensions = params.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if not isinstance(query, str | None) or not isinstance(document_id, str | None):
            return _bad("query and documentId must be strings or null")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if persisted is not None:
            if not (isinstance(persisted, dict) and persisted.get("version") == 1
                    and isinstance(digest, str) and SHA256.fullmatch(digest)):
                return _bad("Unsupported persisted query: extensions.persistedQuery takes "
                            "version 1 and a sha256Hash of 64 hexadecimal digits")
            digest = digest.lower()
            if query is not None and sha256(query) != digest:
                return _bad("extensions.persistedQuery.sha256Hash is not the SHA-256 of the "
                            "query (provided sha does not match query)")
        if self.manifest is None:
            return self._automatic(query, digest, document_id)
        if document_id is not None and (query is not None or digest is not None):
            return _bad("Send documentId alone, without query or extensions.persistedQuery")
        return self._trusted(self.manifest, query, digest, document_id, principal)

    def _automatic(self, query: str | None, digest: str | None,
                   document_id: str | None) -> str | Refusal:
        if digest is None:
            if query is None and document_id is not None:
                return _bad("documentId is served only with DIPTYCH_TRUSTED_DOCUMENTS=only")
            return query or NO_QUERY
        if query is None:
            return self.store.get(digest) or NOT_FOUND
        self.store.put(digest, query)  # checked above: digest is the query's SHA-256
        return query

    def _trusted(self, manifest: Manifest, query: str | None, digest: str | None,
                 document_id: str | None, principal: Principal) -> str | Refusal:
        key = document_id.removeprefix("sha256:") if document_id else digest
        if key is None and query is None:
            return NO_QUERY
        trusted = manifest.get(key if key is not None else sha256(query or ""))
        adhoc = self.admin_adhoc and principal.role is Role.ADMIN
        if trusted is not None or (query is not None and adhoc):
            return trusted or query or NO_QUERY  # an admin's own document is not stored
        if digest is not None and query is None and adhoc:
            return NOT_FOUND  # an admin's APQ link then sends the text, which may run
        why = ("new documents cannot be registered" if digest and query else
               f"the manifest has no document {key!r}" if key else "the manifest does not hold it")
        return Refusal("DOCUMENT_NOT_TRUSTED", f"{UNTRUSTED}: {why}")
