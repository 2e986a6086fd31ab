"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from read import queries
from read.feed import VisibilityFeed
from read.index import SearchIndex
from read.status import ProjectionStatus
from read.views import UserView
from write.commands import Command
from write.results import CommandResult


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


@dataclass
class Context:
    """Built per request, so each request batches and caches its own loads."""

    services: Services
    users: DataLoader[str, UserView | None] = field(init=False)

    def __post_init__(self) -> None:
        self.users = DataLoader(load_fn=self._load_users)

    @property
    def index(self) -> SearchIndex:
        return self.services.index

    async def _load_users(self, ids: list[str]) -> list[UserView | None]:
        return await queries.users_by_id(self.index, ids)


Info = StrawberryInfo[Context, None]
