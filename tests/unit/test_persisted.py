"""schema/edge/persisted.py on its own: manifests, the APQ store, and what `resolve` lets run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from diptych.bootstrap import StartupError, open_documents
from diptych.settings import Settings, SettingsError
from schema.access.authentication import ANONYMOUS, Principal, Role
from schema.edge.persisted import (
    Documents,
    Manifest,
    ManifestError,
    QueryStore,
    Refusal,
    parse_manifest,
    sha256,
)

TYPENAME = "{ __typename }"
PRODUCTS = "query Products { products(first: 1) { totalCount } }"
ADMIN = Principal(Role.ADMIN)
CUSTOMER = Principal(Role.CUSTOMER, "u1")


def apollo(*bodies: str, **overrides: Any) -> bytes:
    operations = [{"id": sha256(b), "name": "Op", "type": "query", "body": b} for b in bodies]
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1,
                "operations": operations} | overrides
    return json.dumps(manifest).encode()


def apq(digest: str, query: str | None = None, version: Any = 1) -> dict[str, Any]:
    params: dict[str, Any] = {"extensions": {"persistedQuery": {"version": version,
                                                                "sha256Hash": digest}}}
    return params | ({"query": query} if query is not None else {})


def trusted(admin_adhoc: bool = True) -> Documents:
    manifest = parse_manifest(json.dumps({"relay-1": PRODUCTS, sha256(TYPENAME): TYPENAME})
                              .encode())
    return Documents(manifest, admin_adhoc=admin_adhoc)


def code(found: str | Refusal) -> str:
    assert isinstance(found, Refusal), found
    return found.code


def test_an_apollo_manifest_serves_each_body_by_its_id_and_hash() -> None:
    manifest = parse_manifest(apollo(TYPENAME, PRODUCTS))
    assert manifest.count == 2
    assert manifest.get(sha256(PRODUCTS)) == PRODUCTS
    assert manifest.get(sha256(TYPENAME).upper()) == TYPENAME


def test_a_relay_manifest_keeps_opaque_ids_and_is_found_by_hash_too() -> None:
    manifest = parse_manifest(json.dumps({"5f1b2c": PRODUCTS}).encode())
    assert manifest.get("5f1b2c") == PRODUCTS
    assert manifest.get(sha256(PRODUCTS)) == PRODUCTS
    assert manifest.get("other") is None


@pytest.mark.parametrize("raw", [
    apollo(TYPENAME, operations=[{"id": sha256(PRODUCTS), "body": TYPENAME}]),
    json.dumps({sha256(PRODUCTS): TYPENAME}).encode(),
])
def test_an_id_shaped_like_a_sha256_must_be_the_hash_of_its_body(raw: bytes) -> None:
    with pytest.raises(ManifestError, match="not the SHA-256 of its body"):
        parse_manifest(raw)


@pytest.mark.parametrize(("raw", "says"), [
    (b"{not json", "not JSON"),
    (b"\xff", "not JSON"),
    (b"[]", "expected an object"),
    (b"{}", "no documents"),
    (apollo(TYPENAME, format="apollo-persisted-query-manifest-v2"), "unknown format"),
    (apollo(TYPENAME, version=2), "version 2"),
    (apollo(TYPENAME, operations={}), "must be a list"),
    (apollo(operations=[{"id": sha256(TYPENAME)}]), "needs a string 'id' and 'body'"),
    (apollo(operations=[{"id": "abc", "body": TYPENAME}]), "is not a SHA-256"),
    (apollo(operations=[{"id": sha256(TYPENAME), "body": TYPENAME, "type": "x"}]),
     "a 'type' of query"),
    (json.dumps({"a": "{ products(first: 1) {"}).encode(), "does not parse"),
    (json.dumps({"a": 1}).encode(), "maps ids to query text"),
])
def test_a_malformed_manifest_is_refused_in_one_line_that_says_why(raw: bytes, says: str) -> None:
    with pytest.raises(ManifestError) as refused:
        parse_manifest(raw)
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_the_apq_store_keeps_the_most_recently_used_texts_within_its_bytes() -> None:
    store = QueryStore(max_bytes=25)
    store.put("a", "x" * 10)
    store.put("b", "y" * 10)
    assert store.get("a") == "x" * 10  # "a" is now the most recently used
    store.put("c", "z" * 10)
    assert (store.get("a"), store.get("b"), store.get("c")) == ("x" * 10, None, "z" * 10)
    store.put("d", "w" * 26)  # larger than the whole store: not kept, nothing evicted
    assert store.get("d") is None and store.size_bytes == 20


def test_an_unknown_hash_is_not_found_until_the_client_registers_its_text() -> None:
    documents, digest = Documents(), sha256(TYPENAME)
    assert documents.resolve(apq(digest), ANONYMOUS) == Refusal(
        "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
    assert documents.resolve(apq(digest, TYPENAME), ANONYMOUS) == TYPENAME
    assert documents.resolve(apq(digest.upper()), ANONYMOUS) == TYPENAME


@pytest.mark.parametrize("params", [
    apq(sha256(PRODUCTS), TYPENAME),  # the hash of another text
    apq(sha256(TYPENAME), TYPENAME, version=2),
    apq("not-a-hash"),
    {"extensions": {"persistedQuery": "x"}},
    {"documentId": sha256(TYPENAME)},  # ids are served in trusted mode only
    {"query": 5},
    {},
])
def test_a_malformed_request_is_a_bad_request_for_every_client(params: dict[str, Any]) -> None:
    found = Documents().resolve(params, ANONYMOUS)
    assert isinstance(found, Refusal) and found.code == "BAD_REQUEST" and found.request_error


def test_a_text_with_the_wrong_hash_is_not_stored() -> None:
    documents = Documents()
    documents.resolve(apq(sha256(PRODUCTS), TYPENAME), ANONYMOUS)
    assert code(documents.resolve(apq(sha256(PRODUCTS)), ANONYMOUS)) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize("params", [
    apq(sha256(TYPENAME)), {"documentId": "relay-1"}, {"documentId": f"sha256:{sha256(PRODUCTS)}"},
    {"documentId": sha256(TYPENAME)}, {"query": PRODUCTS}, apq(sha256(PRODUCTS), PRODUCTS),
])
def test_in_trusted_mode_a_manifest_document_runs_by_hash_id_or_text(
    params: dict[str, Any],
) -> None:
    assert trusted().resolve(params, ANONYMOUS) in (TYPENAME, PRODUCTS)


def test_in_trusted_mode_other_documents_and_registrations_are_refused() -> None:
    other = "{ products(first: 2) { totalCount } }"
    documents = trusted()
    for params in ({"query": other}, apq(sha256(other), other), apq(sha256(other)),
                   {"documentId": "relay-2"}):
        assert code(documents.resolve(params, CUSTOMER)) == "DOCUMENT_NOT_TRUSTED"
    assert code(documents.resolve(apq(sha256(other)), CUSTOMER)) == "DOCUMENT_NOT_TRUSTED"
    assert code(documents.resolve({"documentId": "relay-1", "query": PRODUCTS},
                                  ANONYMOUS)) == "BAD_REQUEST"


def test_an_admin_may_send_other_documents_unless_the_setting_says_no() -> None:
    other = "{ products(first: 2) { totalCount } }"
    assert trusted().resolve({"query": other}, ADMIN) == other
    assert trusted().resolve(apq(sha256(other), other), ADMIN) == other
    # An admin's APQ link is told to send the text, which then runs.
    assert code(trusted().resolve(apq(sha256(other)), ADMIN)) == "PERSISTED_QUERY_NOT_FOUND"
    strict = trusted(admin_adhoc=False)
    assert code(strict.resolve({"query": other}, ADMIN)) == "DOCUMENT_NOT_TRUSTED"
    assert code(strict.resolve(apq(sha256(other)), ADMIN)) == "DOCUMENT_NOT_TRUSTED"


@pytest.mark.parametrize(("name", "value"), [
    ("DIPTYCH_TRUSTED_DOCUMENTS", "on"), ("DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC", "yes"),
    ("DIPTYCH_APQ_CACHE_BYTES", "-1"),
])
def test_a_bad_document_setting_is_refused_with_its_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_trusted_mode_without_a_usable_manifest_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path),
                                  "DIPTYCH_TRUSTED_DOCUMENTS": "only"})
    with pytest.raises(StartupError, match="DIPTYCH_TRUSTED_DOCUMENTS=only needs a manifest"):
        open_documents(settings)
    settings.trusted_documents_file.write_text("[]")
    with pytest.raises(StartupError, match="cannot be used: expected an object"):
        open_documents(settings)
    settings.trusted_documents_file.write_bytes(apollo(TYPENAME))
    manifest = open_documents(settings).manifest
    assert isinstance(manifest, Manifest) and manifest.count == 1
    assert open_documents(Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)})).manifest is None
