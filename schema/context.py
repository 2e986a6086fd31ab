"""The typed per-request context every resolver receives."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from read.freshness.projection_status import ProjectionStatus
from read.freshness.visibility_feed import VisibilityFeed
from read.index import SearchIndex
from read.query import user_queries
from read.query.query_errors import QueryError
from read.query.user_queries import UserView
from schema.access.authentication import ANONYMOUS, InvalidToken, Principal, TokenVerifier
from schema.edge.answer_cache import AnswerCache, Kept
from schema.edge.budgets import Budgets
from schema.edge.limits import DEFAULT_LIMITS, Limits
from schema.edge.persisted import Documents
from schema.edge.read_tracking import Read, TrackedIndex
from write.command_results import CommandResult

if TYPE_CHECKING:
    from schema.parked_operations import ParkedAdmin
from write.messages import Command


class Dispatcher(Protocol):
    async def __call__(self, command: Command) -> CommandResult: ...


class StatusSource(Protocol):
    async def status(self) -> ProjectionStatus: ...


@dataclass(frozen=True)
class Services:
    """Long-lived dependencies, opened in the ASGI lifespan by diptych.bootstrap."""

    dispatch: Dispatcher
    index: SearchIndex
    feed: VisibilityFeed
    consistency_timeout: float
    status: StatusSource | None = None
    limits: Limits = DEFAULT_LIMITS
    verifier: TokenVerifier | None = None  # None: no token verifies (tests without keys)
    documents: Documents = field(default_factory=Documents)  # persisted and trusted documents
    budgets: Budgets | None = None  # None: nobody's spending is counted
    answers: AnswerCache | None = None  # None: every query is run (schema/edge/answer_cache.py)
    parked: ParkedAdmin | None = None  # None: this process offers no parked events

    async def principal(self, authorization: str | None) -> Principal:
        if self.verifier is None:
            if authorization:
                raise InvalidToken("this process verifies no tokens")
            return ANONYMOUS
        return await self.verifier.principal(authorization)


class TooManyWaits(QueryError):
    code = "TOO_MANY_WAITS"


@dataclass
class Context:
    """Built per HTTP request and per WebSocket connection, so each batches and caches its own
    loads, and bounds its own waits for consistency tokens."""

    services: Services
    users: DataLoader[str, UserView | None] = field(init=False)
    waits: int = 0
    principal: Principal = ANONYMOUS
    client: str | None = None  # the caller's address, which anonymous budgets are keyed by
    # WebSockets: what `connection_init` carried (strawberry sets it), and the task that closes
    # the connection when its token expires.
    connection_params: dict[str, Any] | None = None
    websocket: WebSocket | None = None
    expiry: asyncio.Task[None] | None = None
    # While an answer may be kept: each kind read, at its generation (schema/edge/answer_reuse.py)
    reads: dict[Read, int | None] | None = None
    cost: int | None = None  # what the operation costs, once schema/edge/guard.py measured it
    answer_asked: bool = False  # the HTTP endpoint looked for a kept answer, and had none
    answer_kept: Kept | None = None  # this request's answer, just kept: the endpoint sends it

    def __post_init__(self) -> None:
        self.users = DataLoader(load_fn=self._load_users)

    @property
    def index(self) -> SearchIndex:
        if self.reads is not None:
            return TrackedIndex(self.services.index, self.reads)
        return self.services.index

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """Count one wait for a token; refuse one beyond the limit, before it waits."""
        limit = self.services.limits.max_waits
        if self.waits >= limit:
            raise TooManyWaits(
                f"At most {limit} consistency waits at once per request or connection "
                "(DIPTYCH_MAX_WAITS)", field="consistency")
        self.waits += 1
        try:
            yield
        finally:
            self.waits -= 1

    async def _load_users(self, ids: list[str]) -> list[UserView | None]:
        return await user_queries.users_by_id(self.index, ids)


Info = StrawberryInfo[Context, None]
