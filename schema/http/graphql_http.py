"""GraphQL over HTTP, as the GraphQL-over-HTTP specification (graphql.org) says.

strawberry's view answers only `application/json`, refuses in `text/plain`, matches the content
type by substring and runs the first of several unnamed operations; this endpoint does what the
spec asks instead and runs every operation through the same strawberry schema:
- `application/graphql-response+json` when the client accepts it: a request error (the document
  does not parse or validate, a variable does not coerce, no operation can be chosen) is a 4xx
  with no `data` entry; `application/json` otherwise, where every well-formed request gets 200.
- POST takes exactly `application/json` bodies of at most `max_body_bytes` (413 beyond); GET
  runs queries only (405 for a mutation); subscriptions are refused with a pointer to the
  WebSocket; batches are not supported; every refusal is a JSON GraphQL error with a code.
- A request may name its document instead of sending it (schema/edge/persisted.py decides what runs:
  APQ, trusted documents); a GET by hash may be kept by shared caches when the caller is
  anonymous (`Cache-Control: public, max-age=60`, `Vary: Authorization`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from schema.access.authentication import InvalidToken, KeysUnavailable, Principal
from schema.context import Context, Services
from schema.edge.limits import Limits
from schema.edge.persisted import Documents, Refusal
from schema.http.kept_answers import answer_body, budget_headers, kept_response
from schema.http.media_types import GRAPHQL_RESPONSE, JSON, accepted_type

SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
SUBSCRIPTIONS = (
    "Subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws), "
    "not over HTTP"
)
SHARED, PRIVATE = "public, max-age=60", "private, no-store"


class RequestRefused(Exception):
    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class GraphQLHTTP:
    """The Starlette endpoint for GET and POST /graphql."""

    def __init__(
        self, schema: strawberry.Schema, limits: Limits,
        playground: Callable[[], Response] | None = None, documents: Documents | None = None,
    ) -> None:
        self._schema = schema
        self._limits = limits
        self._playground = playground
        self._documents = documents or Documents()

    async def endpoint(self, request: Request) -> Response:
        media = accepted_type(request.headers.get("accept")) or JSON
        try:
            if request.method not in ("GET", "POST"):
                raise RequestRefused(405, "METHOD_NOT_ALLOWED", "GraphQL takes GET and POST",
                                     allow="GET, POST")
            if request.method == "GET" and self._wants_playground(request):
                assert self._playground is not None
                return self._playground()
            if accepted_type(request.headers.get("accept")) is None:
                raise RequestRefused(406, "NOT_ACCEPTABLE",
                                     f"Accept {GRAPHQL_RESPONSE} or {JSON}")
            params = await self._params(request)
            principal = await self._principal(request)
            by_hash = not params.get("query")  # named by its hash or id, not sent
            params["query"] = self._document(request, params, principal, media)
            response = await self._execute(request, params, media, principal)
            if by_hash and request.method == "GET":
                _may_share(request, response)
            return response
        except RequestRefused as refused:
            body = {"errors": [{"message": refused.message,
                                "extensions": {"code": refused.code}}]}
            return JSONResponse(body, refused.status, headers=refused.headers, media_type=media)

    def _wants_playground(self, request: Request) -> bool:
        accept = request.headers.get("accept", "")
        return (self._playground is not None and "query" not in request.query_params
                and "text/html" in accept)

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            if len(request.url.query) > self._limits.max_body_bytes:
                raise self._too_large()
            params: dict[str, Any] = dict(request.query_params)
            for name in ("variables", "extensions"):
                if params.get(name):
                    params[name] = self._json(params[name].encode(), name)
        else:
            media, parameters = parse_content_type(request.headers.get("content-type") or "")
            charset = parameters.get("charset", "utf-8").lower()
            if media.strip().lower() != JSON or charset not in ("utf-8", "utf8"):
                raise RequestRefused(415, "UNSUPPORTED_MEDIA_TYPE",
                                     f"POST bodies must be {JSON} (UTF-8)")
            body = await self._body(request)
            params = self._json(body, "body")
            if isinstance(params, list):
                raise RequestRefused(400, "BAD_REQUEST", "Batched operations are not supported")
            if not isinstance(params, dict):
                raise RequestRefused(400, "BAD_REQUEST", "The body must be a JSON object")
        checks = (("query", str), ("variables", dict), ("operationName", str),
                  ("extensions", dict))
        for name, kind in checks:
            if params.get(name) is not None and not isinstance(params[name], kind):
                what = "a string" if kind is str else "an object"
                raise RequestRefused(400, "BAD_REQUEST", f"{name} must be {what} or null")
        return params

    async def _principal(self, request: Request) -> Principal:
        services: Services = request.state.services
        try:
            return await services.principal(request.headers.get("authorization"))
        except InvalidToken as error:
            raise RequestRefused(401, "UNAUTHENTICATED", str(error),
                                 **{"www-authenticate": 'Bearer error="invalid_token"'}) from error
        except KeysUnavailable as error:
            raise RequestRefused(503, "UNAVAILABLE", str(error), **{"retry-after": "5"}) from error

    def _document(self, request: Request, params: dict[str, Any], principal: Principal,
                  media: str) -> str:
        """The query text to run, or the refusal (PERSISTED_QUERY_NOT_FOUND, ...)."""
        found = self._documents.resolve(params, principal)
        if isinstance(found, Refusal):
            status = 400 if found.request_error or media == GRAPHQL_RESPONSE else 200
            private = {"cache-control": PRIVATE} if request.method == "GET" else {}
            raise RequestRefused(status, found.code, found.message, **private)
        return found

    async def _body(self, request: Request) -> bytes:
        limit = self._limits.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise self._too_large()
        chunks, size = [], 0
        async for chunk in request.stream():  # counted as it arrives: a length can lie
            size += len(chunk)
            if size > limit:
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> RequestRefused:
        return RequestRefused(413, "REQUEST_TOO_LARGE", f"The request is larger than "
                              f"{self._limits.max_body_bytes} bytes (DIPTYCH_MAX_BODY_BYTES)")

    @staticmethod
    def _json(raw: bytes, what: str) -> Any:
        try:
            value = json.loads(raw.decode("utf-8"))
            # JSON may spell lone surrogates ("\ud800"), which no UTF-8 answer can echo back.
            # Only a body with a surrogate escape can hold one: the rest skip the second pass.
            if SURROGATE_ESCAPE.search(raw):
                json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeError as error:
            raise RequestRefused(400, "BAD_REQUEST", f"The {what} is not valid UTF-8") from error
        except RecursionError as error:
            raise RequestRefused(400, "BAD_REQUEST", f"The {what} is nested too deeply") from error
        except ValueError as error:  # not JSON, or a number of more than 4,300 digits
            raise RequestRefused(400, "BAD_REQUEST", f"The {what} is not JSON: "
                                 f"{str(error)[:200]}") from error
        return value

    async def _execute(self, request: Request, params: dict[str, Any], media: str,
                       principal: Principal) -> Response:
        allowed = {OperationType.QUERY}
        if request.method == "POST":
            allowed.add(OperationType.MUTATION)
        services: Services = request.state.services
        kept = await kept_response(request, services, params, media, principal,
                                   self._limits.max_cost)
        if kept is not None:
            return kept
        asked = services.answers is not None and services.answers.enabled
        context = Context(services=services, principal=principal,
                          client=request.client.host if request.client else None,
                          answer_asked=asked)
        try:
            result = await self._schema.execute(
                params["query"],
                variable_values=params.get("variables"),
                context_value=context,
                operation_name=params.get("operationName"),
                allowed_operation_types=allowed,
                operation_extensions=params.get("extensions"),
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise RequestRefused(400, "BAD_REQUEST", SUBSCRIPTIONS) from error
            raise RequestRefused(405, "METHOD_NOT_ALLOWED", "Mutations are sent with POST",
                                 allow="POST") from error
        except CannotGetOperationTypeError as error:
            raise RequestRefused(400, "GRAPHQL_VALIDATION_FAILED",
                                 error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise RequestRefused(400, "BAD_REQUEST", "No GraphQL query found") from error
        errors = [e.formatted for e in result.errors or ()]
        body: dict[str, Any] = {}
        # A request error stopped the operation before it ran: nothing has a path.
        request_error = result.data is None and bool(errors) and all(
            e.path is None for e in result.errors or ())
        if not request_error:
            body["data"] = result.data
        if errors:
            body["errors"] = errors
        if result.extensions:
            body["extensions"] = result.extensions
        status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
        headers = budget_headers(body.get("extensions", {}).get("cost", {}))
        limited = [e for e in errors if e.get("extensions", {}).get("code") == "RATE_LIMITED"]
        if limited:
            status = 429  # for both media types: clients and proxies know to back off
            headers["retry-after"] = str(limited[0]["extensions"]["retryAfter"])
        just_kept = context.answer_kept
        if just_kept is not None and not errors and status == 200:  # encoded once, as kept
            return Response(answer_body(just_kept.data, body.get("extensions")), status,
                            headers=headers, media_type=media)
        return JSONResponse(body, status, headers=headers, media_type=media)


def _may_share(request: Request, response: Response) -> None:
    """A GET by hash is a URL shared caches may keep: an anonymous caller's answer without errors
    (a `"errors"` anywhere in the body, even a field's alias, only makes it private)."""
    shared = (not request.headers.get("authorization") and response.status_code == 200
              and b'"errors"' not in response.body)
    response.headers["cache-control"] = SHARED if shared else PRIVATE
    response.headers.add_vary_header("Authorization")
