"""Kept answers at the HTTP door (schema/edge/answer_cache.py): a query whose answer stands is
answered with the bytes kept, after charging the caller's budget, before strawberry runs
anything; and every answer's body around data already encoded, with the budget's headers, as
schema/http/graphql_http.py sends them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from schema.access.authentication import Principal
from schema.context import Services
from schema.edge.answer_cache import answer_key, encoded


async def kept_response(request: Request, services: Services, params: dict[str, Any],
                        media: str, principal: Principal, max_cost: int) -> Response | None:
    """A kept answer to this very request (schema/edge/answer_cache.py), sent at once: the
    same body and headers as running it, after charging the caller's budget its cost. Only
    queries that ran through the schema were kept, so a GET may have it too. None: run it
    (also when the budget refuses: the run then says so, as it always does)."""
    answers = services.answers
    if answers is None or not answers.enabled:
        return None
    key = answer_key(params["query"], params.get("operationName"), params.get("variables"),
                     principal)
    found = answers.get(key, services.index.generation) if key is not None else None
    if found is None:
        return None
    cost: dict[str, Any] = {"requested": found.cost, "maximum": max_cost}
    if services.budgets is not None:
        client = request.client.host if request.client else None
        charge = await services.budgets.charge(principal, client, found.cost)
        if not charge.allowed:
            return None
        if charge.limit:
            cost |= {"limit": charge.limit, "remaining": charge.remaining,
                     "resetAt": round(charge.reset_at, 3)}
    return Response(answer_body(found.data, {"cost": cost}), headers=budget_headers(cost),
                    media_type=media)


def answer_body(data: bytes, extensions: dict[str, Any] | None) -> bytes:
    """The body JSONResponse would send for {"data": ..., "extensions": ...}, around `data`
    already encoded as it encodes (answer_cache.encoded)."""
    if not extensions:
        return b'{"data":' + data + b"}"
    more = encoded(extensions)
    if more is None:
        raise ValueError("the extensions are not JSON")  # a bug: ours are numbers and names
    return b'{"data":' + data + b',"extensions":' + more + b"}"


def budget_headers(cost: dict[str, Any]) -> dict[str, str]:
    """The caller's budget, as the X-RateLimit headers clients and proxies read."""
    if "limit" not in cost:
        return {}
    return {"x-ratelimit-limit": str(cost["limit"]),
            "x-ratelimit-remaining": str(cost["remaining"]),
            "x-ratelimit-reset": str(int(cost["resetAt"]))}
