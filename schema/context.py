"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from strawberry.types import Info as StrawberryInfo

from read.consistency import VisibilityFeed
from read.index import SearchIndex
from write.commands import Command
from write.results import CommandResult


class Dispatcher(Protocol):
    async def __call__(self, command: Command) -> CommandResult: ...


@dataclass(frozen=True)
class Services:
    """Long-lived dependencies, opened in the ASGI lifespan by diptych.bootstrap."""

    dispatch: Dispatcher
    index: SearchIndex
    feed: VisibilityFeed
    consistency_timeout: float


@dataclass
class Context:
    services: Services

    @property
    def index(self) -> SearchIndex:
        return self.services.index


Info = StrawberryInfo[Context, None]
