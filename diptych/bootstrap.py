"""The composition root: the one place that decides which adapters run and wires them.

Nothing connects at import time. `create_app` returns an ASGI app whose lifespan opens the write
store, the search index and the workers, and closes them again on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TypedDict

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from diptych.dispatch import CommandDispatcher
from diptych.settings import Settings
from read.consistency import VisibilityFeed
from read.tantivy_index import TantivyIndex
from schema.app import GraphQLApp, build_schema
from schema.context import Services
from workers.inprocess import InProcessBroker
from workers.projector import Projector
from workers.relay import Relay
from write.database import create_engine

log = logging.getLogger(__name__)


class State(TypedDict):
    services: Services


@contextlib.asynccontextmanager
async def run_services(settings: Settings) -> AsyncIterator[Services]:
    """Open every long-lived dependency, run the workers, and close it all on exit."""
    engine = create_engine(settings.database_url)
    index = TantivyIndex(settings.index_dir)
    await index.open()
    feed = VisibilityFeed()
    broker = InProcessBroker()
    await broker.consume(Projector(index, feed))
    relay = Relay(engine, broker)
    relay_task = asyncio.create_task(relay.run(), name="relay")
    try:
        yield Services(
            dispatch=CommandDispatcher(engine, on_commit=relay.wake),
            index=index,
            feed=feed,
            consistency_timeout=settings.consistency_timeout,
        )
    finally:
        relay.stop()
        try:
            await asyncio.wait_for(relay_task, timeout=10)
        except TimeoutError:  # events it could not finish stay in the outbox for the next start
            log.warning("relay did not finish its batch within 10s; stopped it")
        await broker.close()
        await index.close()
        await engine.dispose()


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(settings: Settings) -> Starlette:
    graphql = GraphQLApp(build_schema())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with run_services(settings) as services:
            log.info("diptych ready: write store %s, index %s", _safe(settings), settings.index_dir)
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
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)
