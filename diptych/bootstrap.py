"""The composition root: the one place that decides which adapters run and wires them.

Nothing connects at import time. `run_services` opens every long-lived dependency and starts the
workers; `create_app` builds the ASGI app that serves them. The CLI opens the services before the
server starts listening, so a service that cannot start says why in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TypedDict

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from diptych.dispatch import CommandDispatcher
from diptych.settings import Settings
from read.consistency import VisibilityFeed
from read.tantivy_index import IndexLocked, TantivyIndex
from schema.app import GraphQLApp, build_schema
from schema.context import Services
from workers.catch_up import catch_up
from workers.inprocess import InProcessBroker
from workers.projector import Projector
from workers.relay import Relay
from write.database import create_engine

log = logging.getLogger(__name__)
RELAY_STOP_TIMEOUT = 10


class StartupError(Exception):
    """Why the service cannot start, in one line that names the setting to look at."""


class State(TypedDict):
    services: Services


@contextlib.asynccontextmanager
async def run_services(settings: Settings) -> AsyncIterator[Services]:
    """Open the write store and the index, catch the index up, run the relay; close all on exit."""
    async with contextlib.AsyncExitStack() as stack:
        engine = create_engine(settings.database_url)
        stack.push_async_callback(engine.dispose)
        await _reach_write_store(engine, settings)
        index = TantivyIndex(settings.index_dir)
        try:
            await index.open()
        except IndexLocked as error:
            raise StartupError(f"DIPTYCH_INDEX_DIR: {error}") from error
        stack.push_async_callback(index.close)
        feed = VisibilityFeed()
        projector = Projector(index, feed)
        await catch_up(engine, index, projector)
        broker = InProcessBroker()
        await broker.consume(projector)
        stack.push_async_callback(broker.close)
        relay = Relay(engine, broker)
        stack.push_async_callback(_stop, relay, asyncio.create_task(relay.run(), name="relay"))
        log.info("diptych ready: write store %s, index %s", _safe(settings), index.directory)
        yield Services(
            dispatch=CommandDispatcher(engine, on_commit=relay.wake),
            index=index,
            feed=feed,
            consistency_timeout=settings.consistency_timeout,
        )


async def _reach_write_store(engine: AsyncEngine, settings: Settings) -> None:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # drivers raise many kinds; all mean the same here
        reason = str(error).splitlines()[0]
        raise StartupError(
            f"DIPTYCH_DATABASE_URL: cannot reach the write store at {_safe(settings)}: {reason}"
        ) from error


async def _stop(relay: Relay, task: asyncio.Task[None]) -> None:
    relay.stop()
    try:
        await asyncio.wait_for(task, RELAY_STOP_TIMEOUT)
    except TimeoutError:  # what it could not finish stays in the outbox for the next start
        log.warning("relay did not finish its batch within %ss; stopped it", RELAY_STOP_TIMEOUT)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(services: Services) -> Starlette:
    graphql = GraphQLApp(build_schema())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        yield {"services": services}

    return Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )


def _safe(settings: Settings) -> str:
    """The database URL without its password, for logs."""
    return make_url(settings.database_url).render_as_string(hide_password=True)
