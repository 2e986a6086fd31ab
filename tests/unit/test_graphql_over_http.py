"""GraphQL over HTTP as its spec says, on the real ASGI app (Starlette's TestClient runs the
lifespan); the write side is a fake dispatcher, the index an in-memory one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from diptych.bootstrap import create_app
from diptych.keys import issue_token, open_verifier
from diptych.settings import Settings
from read.freshness.visibility_feed import VisibilityFeed
from schema.context import Services
from tests.unit.memory_index import MemoryIndex
from write.command_errors import StoreUnavailable
from write.command_results import CommandResult
from write.messages import Command

GRAPHQL_RESPONSE = "application/graphql-response+json"
ORIGIN = "https://shop.example"


class RefusingDispatcher:
    """A write store that is down: every command is refused as unreachable."""

    async def __call__(self, command: Command) -> CommandResult:
        raise StoreUnavailable("connection refused")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings.from_env({
        "DIPTYCH_DATA_DIR": str(tmp_path), "DIPTYCH_ALLOWED_ORIGINS": ORIGIN,
        "DIPTYCH_MAX_BODY_BYTES": "10000",
    })
    services = Services(dispatch=RefusingDispatcher(), index=MemoryIndex(),
                        feed=VisibilityFeed(), consistency_timeout=1, limits=settings.limits,
                        verifier=open_verifier(settings))
    with TestClient(create_app(services, settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


def post(client: TestClient, body: Any, accept: str | None = GRAPHQL_RESPONSE,
         content_type: str = "application/json") -> Any:
    headers = {"content-type": content_type} | ({"accept": accept} if accept else {})
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/graphql", content=raw, headers=headers)


def codes(response: Any) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


def test_a_client_that_accepts_graphql_response_json_gets_it(client: TestClient) -> None:
    response = post(client, {"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["data"] == {"__typename": "Query"}


def test_a_client_without_accept_gets_application_json(client: TestClient) -> None:
    response = post(client, {"query": "{ __typename }"}, accept=None)
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("query", "code"),
    [("{ x", "GRAPHQL_PARSE_FAILED"), ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
     ("{ products(first: 1.5) { totalCount } }", "GRAPHQL_VALIDATION_FAILED")],
)
def test_a_request_error_is_a_400_without_data_and_200_for_legacy_json_clients(
    client: TestClient, query: str, code: str
) -> None:
    response = post(client, {"query": query})
    assert response.status_code == 400
    assert "data" not in response.json() and codes(response) == [code]
    legacy = post(client, {"query": query}, accept="application/json")
    assert legacy.status_code == 200 and "data" not in legacy.json()


@pytest.mark.parametrize(
    ("variables", "message"),
    [({}, "to be provided"), ({"id": {"a": 1}}, "ID cannot represent"),
     ({"id": ["x"]}, "ID cannot represent")],
)
def test_a_variable_that_is_missing_or_of_the_wrong_type_says_so(
    client: TestClient, variables: dict[str, Any], message: str
) -> None:
    response = post(client, {"query": "query($id: ID!) { user(id: $id) { id } }",
                             "variables": variables})
    assert response.status_code == 400
    assert codes(response) == ["BAD_USER_INPUT"]
    assert message in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b"null", 400), (b'"str"', 400), (b"42", 400), (b"\xff\xfe", 400),
     (b'[{"query": "{ __typename }"}]', 400), (b'{"query": 5}', 400),
     (b'{"query": "{ __typename }", "variables": [1]}', 400), (b"{}", 400),
     (b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 4000 + b"]" * 4000 + b"}}",
      400),
     (b'{"query": "{ __typename }", "variables": {"a": ' + b"9" * 5000 + b"}}", 400),
     (b'{"query": "{ __typename }", "operationName": "\\ud800"}', 400)],
)
def test_a_malformed_body_is_a_json_400_that_says_why(
    client: TestClient, body: bytes, status: int
) -> None:
    response = post(client, body)
    assert response.status_code == status
    assert codes(response) == ["BAD_REQUEST"]
    assert post(client, {"query": "{ __typename }"}).status_code == 200


def test_application_json_with_quoted_or_extra_parameters_is_accepted(client: TestClient) -> None:
    for content_type in ('application/json; charset="utf-8"',
                         "application/json; charset=utf-8; x=y"):
        response = post(client, {"query": "{ __typename }"}, content_type=content_type)
        assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    "content_type", ["application/json-patch+json", "text/plain",
                     "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
def test_only_an_exact_application_json_body_is_executed(
    client: TestClient, content_type: str
) -> None:
    mutation = 'mutation { renameUser(input: {id: "x", name: "y"}) { __typename } }'
    response = post(client, {"query": mutation}, content_type=content_type)
    assert response.status_code == 415 and codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_parsed(
    client: TestClient,
) -> None:
    response = post(client, {"query": "{ __typename }", "pad": "x" * 20_000})
    assert response.status_code == 413 and codes(response) == ["REQUEST_TOO_LARGE"]

    def chunks() -> Iterator[bytes]:  # no content-length: counted as it streams
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(20):
            yield b"x" * 1000
        yield b'"}'

    streamed = client.post("/graphql", content=chunks(),
                           headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_several_operations_need_an_operation_name_and_an_unknown_one_is_refused(
    client: TestClient,
) -> None:
    two = "query A { __typename } query B { __typename }"
    response = post(client, {"query": two})
    assert response.status_code == 400 and codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    unknown = post(client, {"query": two, "operationName": "C"})
    assert unknown.status_code == 400 and "C" in unknown.json()["errors"][0]["message"]
    chosen = post(client, {"query": two, "operationName": "B"})
    assert chosen.json()["data"] == {"__typename": "Query"}


def test_a_mutation_over_get_is_405_and_a_query_over_get_runs(client: TestClient) -> None:
    mutation = 'mutation { renameUser(input: {id: "x", name: "y"}) { __typename } }'
    response = client.get("/graphql", params={"query": mutation},
                          headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert codes(response) == ["METHOD_NOT_ALLOWED"]
    query = client.get("/graphql", params={"query": "{ __typename }"})
    assert query.json()["data"] == {"__typename": "Query"}


def test_a_subscription_over_http_points_to_the_websocket(client: TestClient) -> None:
    subscription = 'subscription { readModelCaughtUp(consistency: "x") { waitedMs } }'
    for response in (post(client, {"query": subscription}),
                     client.get("/graphql", params={"query": subscription})):
        assert response.status_code == 400
        assert "WebSocket" in response.json()["errors"][0]["message"]


def test_a_write_store_outage_is_a_coded_error_not_a_masked_one(
    client: TestClient, tmp_path: Path
) -> None:
    mutation = 'mutation { renameUser(input: {id: "x", name: "y"}) { __typename } }'
    admin = issue_token(Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)}), "admin", None, 60)
    body = client.post("/graphql", json={"query": mutation},
                       headers={"authorization": f"Bearer {admin}"}).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["WRITE_STORE_UNAVAILABLE"]


def test_every_response_reports_its_cost(client: TestClient) -> None:
    body = post(client, {"query": "{ __typename }"}).json()
    assert body["extensions"]["cost"] == {"requested": 0, "maximum": 5000}


def test_a_browser_on_an_allowed_origin_passes_the_cors_preflight(client: TestClient) -> None:
    preflight = client.options("/graphql", headers={
        "origin": ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
    })
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    response = client.post("/graphql", json={"query": "{ __typename }"},
                           headers={"origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_another_origin_gets_no_cors_headers(client: TestClient) -> None:
    preflight = client.options("/graphql", headers={
        "origin": "https://evil.example", "access-control-request-method": "POST",
    })
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


def test_a_host_outside_the_allow_list_is_refused(client: TestClient) -> None:
    response = client.get("/health", headers={"host": "rebind.attacker.example"})
    assert response.status_code == 400
    assert client.get("/health", headers={"host": "localhost:8000"}).status_code == 200


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (client.get("/health"), post(client, {"query": "{ x"})):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"


def test_apollo_s_possible_types_are_published(client: TestClient) -> None:
    types = client.get("/graphql/possible-types.json").json()
    assert "InvalidInput" in types["Error"] and "UserRegistered" in types["RegisterUserResult"]
