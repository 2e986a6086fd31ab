"""Persisted and trusted documents over HTTP and WebSocket, on the real ASGI app (the fixture of
test_graphql_over_http.py), and `diptych documents import` as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from diptych.bootstrap import create_app, open_documents
from diptych.keys import issue_token, open_verifier
from diptych.settings import Settings
from read.freshness.visibility_feed import VisibilityFeed
from schema.context import Services
from schema.edge.persisted import import_manifest, sha256
from tests.unit.memory_index import MemoryIndex
from tests.unit.test_graphql_over_http import GRAPHQL_RESPONSE, RefusingDispatcher, codes

TYPENAME = "{ __typename }"
KIND = 'query Kind { __type(name: "Query") { name } }'
OTHER = '{ __type(name: "Mutation") { name } }'
USERS = "{ users(first: 1) { totalCount } }"  # admins only: an error for anyone else
WATCH = "subscription { documentChanged(type: PRODUCT, ids: []) { id } }"  # not trusted
NO_IDS = "subscription NoIds { documentChanged(type: PRODUCT, ids: []) { id } }"  # fails at once
ROOT = Path(__file__).resolve().parents[2]
WS = "ws://127.0.0.1/graphql"

Client = Callable[..., TestClient]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Client]:
    """`app(**settings)`: a TestClient on a fresh app with those DIPTYCH_* settings."""
    clients: list[TestClient] = []

    def make(**env: str) -> TestClient:
        settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)}
                                     | {f"DIPTYCH_{k.upper()}": v for k, v in env.items()})
        services = Services(dispatch=RefusingDispatcher(), index=MemoryIndex(),
                            feed=VisibilityFeed(), consistency_timeout=1, limits=settings.limits,
                            verifier=open_verifier(settings), documents=open_documents(settings))
        client = TestClient(create_app(services, settings), base_url="http://127.0.0.1")
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def trusted(app: Client, tmp_path: Path) -> Client:
    """`trusted(**settings)`: the app with DIPTYCH_TRUSTED_DOCUMENTS=only and a manifest that
    holds TYPENAME and NO_IDS (by their hashes) and KIND (Relay id "relay-1")."""
    source = tmp_path / "relay.json"
    source.write_text(json.dumps({sha256(TYPENAME): TYPENAME, "relay-1": KIND,
                                  sha256(NO_IDS): NO_IDS}))
    import_manifest(source, Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)})
                    .trusted_documents_file)
    return lambda **env: app(trusted_documents="only", **env)


def token(tmp_path: Path, role: str) -> dict[str, str]:
    settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)})
    signed = issue_token(settings, role, "u1" if role == "customer" else None, 60)
    return {"authorization": f"Bearer {signed}"}


def apq(query: str, with_text: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1,
                                                              "sha256Hash": sha256(query)}}}
    return body | ({"query": query} if with_text else {})


def post(client: TestClient, body: dict[str, Any], accept: str = GRAPHQL_RESPONSE,
         **headers: str) -> Any:
    return client.post("/graphql", json=body, headers={"accept": accept} | headers)


def get(client: TestClient, body: dict[str, Any], **headers: str) -> Any:
    params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()}
    return client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE} | headers)


def test_an_unknown_hash_answers_persisted_query_not_found_200_for_json_400_for_graphql_response(
    app: Client,
) -> None:
    client = app()
    legacy = post(client, apq(TYPENAME), accept="application/json")
    assert legacy.status_code == 200 and "data" not in legacy.json()
    assert legacy.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert codes(legacy) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert post(client, apq(TYPENAME)).status_code == 400


def test_a_registered_document_runs_by_its_hash_over_post_and_get(app: Client) -> None:
    client = app()
    assert post(client, apq(TYPENAME, with_text=True)).json()["data"] == {"__typename": "Query"}
    assert post(client, apq(TYPENAME)).json()["data"] == {"__typename": "Query"}
    hit = get(client, apq(TYPENAME))
    assert hit.status_code == 200 and hit.json()["data"] == {"__typename": "Query"}


def test_a_get_by_hash_is_public_for_anonymous_callers_only(app: Client, tmp_path: Path) -> None:
    client = app()
    post(client, apq(TYPENAME, with_text=True))
    anonymous = get(client, apq(TYPENAME))
    assert anonymous.headers["cache-control"] == "public, max-age=60"
    assert "authorization" in anonymous.headers["vary"].lower()
    signed_in = get(client, apq(TYPENAME), **token(tmp_path, "admin"))
    assert signed_in.json()["data"] == {"__typename": "Query"}
    assert signed_in.headers["cache-control"] == "private, no-store"
    assert get(client, apq(OTHER)).headers["cache-control"] == "private, no-store"  # a miss
    post(client, apq(USERS, with_text=True))
    refused = get(client, apq(USERS))  # an answer with errors is never shared
    assert refused.json()["errors"] and refused.headers["cache-control"] == "private, no-store"


def test_a_query_sent_with_its_text_is_never_marked_public(app: Client) -> None:
    response = get(app(), {"query": TYPENAME})
    assert response.json()["data"] and "public" not in response.headers.get("cache-control", "")


def test_a_text_whose_hash_differs_is_a_bad_request_and_is_not_stored(app: Client) -> None:
    client = app()
    wrong = apq(OTHER) | {"query": TYPENAME}
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = post(client, wrong, accept=accept)
        assert response.status_code == 400 and codes(response) == ["BAD_REQUEST"]
        assert "does not match" in response.json()["errors"][0]["message"]
    assert codes(post(client, apq(OTHER))) == ["PERSISTED_QUERY_NOT_FOUND"]
    version_2 = {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha256(OTHER)}}}
    assert codes(post(client, version_2)) == ["BAD_REQUEST"]


def test_a_mutation_by_hash_still_needs_post(app: Client) -> None:
    client = app()
    mutation = 'mutation { renameUser(input: {id: "x", name: "y"}) { __typename } }'
    assert post(client, apq(mutation, with_text=True)).status_code == 200
    assert get(client, apq(mutation)).status_code == 405


def test_trusted_documents_run_by_hash_by_document_id_and_by_text(trusted: Client) -> None:
    client = trusted()
    for body in (apq(TYPENAME), {"documentId": sha256(TYPENAME)},
                 {"documentId": f"sha256:{sha256(TYPENAME)}"}, {"query": TYPENAME}):
        assert post(client, body).json()["data"] == {"__typename": "Query"}, body
    kind = post(client, {"documentId": "relay-1"}).json()
    assert kind["data"] == {"__type": {"name": "Query"}}
    assert get(client, {"documentId": "relay-1"}).headers["cache-control"] == "public, max-age=60"


def test_an_untrusted_document_is_refused_400_for_graphql_response_200_for_json(
    trusted: Client, tmp_path: Path,
) -> None:
    client = trusted()
    for body in ({"query": OTHER}, {"documentId": "relay-9"}, apq(OTHER)):
        response = post(client, body, **token(tmp_path, "customer"))
        assert response.status_code == 400 and codes(response) == ["DOCUMENT_NOT_TRUSTED"]
        assert "data" not in response.json()
    legacy = post(client, {"query": OTHER}, accept="application/json")
    assert legacy.status_code == 200 and codes(legacy) == ["DOCUMENT_NOT_TRUSTED"]


def test_apq_registration_is_refused_in_trusted_mode(trusted: Client) -> None:
    client = trusted()
    assert codes(post(client, apq(OTHER, with_text=True))) == ["DOCUMENT_NOT_TRUSTED"]
    assert codes(post(client, apq(OTHER))) == ["DOCUMENT_NOT_TRUSTED"]


def test_an_admin_may_send_ad_hoc_documents_unless_the_setting_says_no(
    trusted: Client, tmp_path: Path,
) -> None:
    admin = token(tmp_path, "admin")
    assert post(trusted(), {"query": OTHER}, **admin).json()["data"] == {
        "__type": {"name": "Mutation"}}
    strict = trusted(trusted_documents_admin_adhoc="false")
    assert codes(post(strict, {"query": OTHER}, **admin)) == ["DOCUMENT_NOT_TRUSTED"]


def test_a_websocket_runs_trusted_documents_only(trusted: Client) -> None:
    with trusted().websocket_connect(WS, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": WATCH}})
        refused = ws.receive_json()
        assert refused["type"] == "error" and refused["id"] == "1"
        assert refused["payload"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
        ws.send_json({"id": "2", "type": "subscribe", "payload": {"documentId": "relay-1"}})
        answer = ws.receive_json()
        assert answer["type"] == "next", answer
        assert answer["payload"]["data"] == {"__type": {"name": "Query"}}


def test_the_legacy_websocket_protocol_runs_trusted_documents_only(trusted: Client) -> None:
    with trusted().websocket_connect(WS, subprotocols=["graphql-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "start", "payload": {"query": WATCH}})
        refused = next(m for m in iter(ws.receive_json, None) if m["type"] != "ka")
        assert refused["type"] == "error" and refused["id"] == "1"
        assert refused["payload"]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
        ws.send_json({"id": "2", "type": "start", "payload": {"query": NO_IDS}})
        answer = next(m for m in iter(ws.receive_json, None) if m["type"] != "ka")
        assert answer["type"] == "data", answer  # it ran, and failed on its own argument
        assert "ids takes" in answer["payload"]["errors"][0]["message"]


def diptych(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIPTYCH_")}
    return subprocess.run([sys.executable, "-m", "diptych", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=120,
                          env=env | {"DIPTYCH_DATA_DIR": str(data_dir)})


@pytest.mark.parametrize("manifest", [
    {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": sha256(q), "name": "Op", "type": "query", "body": q} for q in (TYPENAME, OTHER)]},
    {"relay-1": KIND, sha256(TYPENAME): TYPENAME},
])
def test_documents_import_installs_an_apollo_or_relay_manifest(
    tmp_path: Path, manifest: dict[str, Any],
) -> None:
    source = tmp_path / "manifest.json"
    source.write_text(json.dumps(manifest))
    done = diptych("documents", "import", str(source), data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 trusted documents imported")
    assert (tmp_path / "data" / "trusted-documents.json").read_bytes() == source.read_bytes()


def test_documents_import_refuses_a_malformed_manifest_in_one_line(tmp_path: Path) -> None:
    installed = tmp_path / "data" / "trusted-documents.json"
    installed.parent.mkdir()
    installed.write_text(json.dumps({"relay-1": KIND}))
    source = tmp_path / "manifest.json"
    source.write_text(json.dumps({sha256(OTHER): TYPENAME}))
    done = diptych("documents", "import", str(source), data_dir=tmp_path / "data")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"diptych: cannot import {source}: document {sha256(OTHER)!r}: its id is not the "
        f"SHA-256 of its body ({sha256(TYPENAME)})"]
    assert json.loads(installed.read_text()) == {"relay-1": KIND}  # left as it was


def test_serve_in_trusted_mode_without_a_manifest_exits_naming_the_setting(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"DIPTYCH_TRUSTED_DOCUMENTS": "only"}
    done = subprocess.run(
        [sys.executable, "-m", "diptych", "serve", "--port", str(port)], cwd=ROOT, text=True,
        capture_output=True, timeout=120, env=env | {"DIPTYCH_DATA_DIR": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(
        "diptych: cannot start: DIPTYCH_TRUSTED_DOCUMENTS=only needs a manifest at")
