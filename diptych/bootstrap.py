"""The composition root: the one place that decides which adapters run and wires them.

Nothing connects at import time. `run_services` opens every long-lived dependency for the API
(and, when asked, runs the workers beside it); `create_app` builds the ASGI app that serves them.
The CLI opens the services before the server starts listening, so a service that cannot start
says why in one line.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from diptych.adapters import (
    StartupError,
    open_broker,
    open_budgets,
    open_index,
    open_log_reader,
    open_write_store,
    safe_url,
)
from diptych.dispatch import CommandDispatcher
from diptych.keys import open_verifier
from diptych.metrics import Metrics
from diptych.pipeline import start_workers
from diptych.security_headers import SecurityHeaders
from diptych.settings import Settings
from read.freshness.visibility_feed import VisibilityFeed
from schema.app import GraphQLWebSockets, build_schema
from schema.context import Services
from schema.edge.answer_cache import AnswerCache
from schema.edge.persisted import Documents, ManifestError, load_manifest
from schema.http.graphql_http import GraphQLHTTP
from schema.http.playground import playground_page, playground_routes
from schema.http.possible_types import possible_types
from workers.parking import ParkedRecords
from workers.rabbitmq.rabbitmq_visibility import listen
from workers.status_probe import StatusMonitor
from write.sqlalchemy.outbox import notify_channel_of

log = logging.getLogger(__name__)
__all__ = ["StartupError", "create_app", "open_documents", "run_services"]


class State(TypedDict):
    services: Services


@contextlib.asynccontextmanager
async def run_services(settings: Settings, with_workers: bool) -> AsyncIterator[Services]:
    """Open the write store, the index and the broker; run the workers here if asked; close all
    on exit, workers first."""
    documents = open_documents(settings)  # before anything opens: a bad manifest stops here
    async with contextlib.AsyncExitStack() as stack:
        engine = await open_write_store(stack, settings)
        index = await open_index(stack, settings, writer=with_workers)
        feed = VisibilityFeed()
        broker = await open_broker(stack, settings) if settings.amqp_url else None
        if broker is not None:  # projectors elsewhere announce what they made visible
            await listen(broker.connection, broker.names, feed)
        wake_relay = _relay_elsewhere
        if with_workers:
            wake_relay = await start_workers(stack, settings, engine, index, feed, broker)
        log.info(
            "diptych ready: write store %s, broker %s, index %s, workers %s",
            safe_url(settings.database_url),
            safe_url(settings.amqp_url) if settings.amqp_url else "in-process",
            safe_url(settings.elasticsearch_url) if settings.elasticsearch_url
            else f"tantivy at {settings.index_dir}",
            "in this process" if with_workers else "in their own processes",
        )
        yield Services(
            dispatch=CommandDispatcher(
                engine,
                on_commit=wake_relay,
                # PostgreSQL relays, in any process, wake on each commit's NOTIFY.
                notify_channel=notify_channel_of(engine),
            ),
            index=index,
            feed=feed,
            consistency_timeout=settings.consistency_timeout,
            # On SQLite the status reads through an engine of its own: the write store's one
            # connection is the commands'.
            status=StatusMonitor(
                await open_log_reader(stack, settings, engine), index, settings.stall_after
            ),
            limits=settings.limits,
            verifier=open_verifier(settings),
            documents=documents,
            budgets=await open_budgets(stack, settings),
            answers=AnswerCache(settings.limits.answer_cache_bytes,
                                settings.limits.answer_max_bytes),
            parked=ParkedRecords(engine),
        )


def open_documents(settings: Settings) -> Documents:
    """The APQ store, and with DIPTYCH_TRUSTED_DOCUMENTS=only the manifest, read once here."""
    config, path = settings.documents, settings.trusted_documents_file
    manifest = None
    if config.trusted_only:
        try:
            manifest = load_manifest(path)
        except FileNotFoundError as error:
            raise StartupError(f"DIPTYCH_TRUSTED_DOCUMENTS=only needs a manifest at {path}: "
                               "import one with `diptych documents import FILE`") from error
        except (OSError, ManifestError) as error:
            raise StartupError(f"DIPTYCH_TRUSTED_DOCUMENTS=only: the manifest {path} cannot be "
                               f"used: {error}") from error
        log.info("trusted documents only: %d from %s", manifest.count, path)
    return Documents(manifest, config.admin_adhoc, config.apq_cache_bytes)


def _relay_elsewhere() -> None:
    """The relay runs in another process; PostgreSQL's NOTIFY wakes it on commit."""


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(services: Services, settings: Settings) -> Starlette:
    """The ASGI app: GraphQL over HTTP and WebSocket at /graphql, the playground, health and
    metrics; behind a Host allow-list, CORS for the allowed origins and security headers."""
    schema = build_schema(services.limits)
    websockets = GraphQLWebSockets(schema, services.limits, settings.allowed_origins)
    metrics = Metrics(services)
    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/health", health),
        Route("/metrics", metrics.endpoint),
        Route("/graphql", GraphQLHTTP(schema, services.limits, playground_page,
                                      services.documents).endpoint,
              methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        WebSocketRoute("/graphql", websockets),
        Route("/graphql/possible-types.json", possible_types(schema)),
        *playground_routes(),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        yield {"services": services}

    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),  # outermost: even a refused Host gets the headers
            Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts)),
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.allowed_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "Accept", "Authorization"],
                max_age=600,
            ),
        ],
        lifespan=lifespan,
    )
