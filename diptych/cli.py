"""The `diptych` command.

    diptych serve [--host H] [--port N] [--with-workers]   the GraphQL API
    diptych worker relay                                   outbox -> broker
    diptych worker projector                               broker -> index
    diptych migrate                                        bring the write store's schema up to date
    diptych token --role admin|customer [--user ID] [--expires 1h]
                                                           a token signed with the embedded secret
    diptych documents import MANIFEST                      install trusted documents (Apollo, Relay)
    diptych parked list | retry AGGREGATE_ID|--all | skip EVENT_ID --reason R
                                                           events the projector could not apply
    diptych rebuild [--wait SECONDS]                       a new index version from the event log,
                                                           swapped in while the live one serves

Every process stops gracefully on SIGTERM or Ctrl-C and then exits with status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import uvicorn
import uvloop

from diptych.adapters import reason
from diptych.keys import issue_token
from diptych.parked_command import add_parser as add_parked_parser
from diptych.parked_command import run_parked
from diptych.rebuild_command import add_parser as add_rebuild_parser
from diptych.rebuild_command import run_rebuild
from diptych.settings import Settings, SettingsError
from diptych.signals import (
    exit_quietly_after_shutdown,
    hand_signals_to_uvicorn,
    stoppable_while_starting,
    until_signalled,
)
from schema.edge.persisted import ManifestError, import_manifest
from write.sqlalchemy.migrate import upgrade

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diptych", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the GraphQL API")
    serve.add_argument("--host", help="interface to listen on (DIPTYCH_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (DIPTYCH_PORT, default 8000)")
    serve.add_argument(
        "--with-workers",
        action="store_true",
        help="also run the relay and the projector here (always so without DIPTYCH_AMQP_URL)",
    )
    worker = commands.add_parser("worker", help="run a worker process")
    worker.add_argument("role", choices=["relay", "projector"])
    commands.add_parser("migrate", help="bring the write store's schema up to date")
    token = commands.add_parser("token", help="print a token signed with the embedded secret")
    token.add_argument("--role", choices=["admin", "customer"], required=True)
    token.add_argument("--user", help="the user id (required for a customer)")
    token.add_argument("--expires", default="1h", type=_duration,
                       help="lifetime: 30m, 1h, 7d (default 1h)")
    documents = commands.add_parser("documents", help="the trusted documents' manifest")
    documents.add_subparsers(dest="action", required=True).add_parser(
        "import", help="check a manifest and install it for the next start"
    ).add_argument("manifest", type=Path, help="Apollo's persisted-query manifest or Relay's")
    add_parked_parser(commands)
    add_rebuild_parser(commands)
    return parser


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    seconds = int(number) * units[unit] if unit in units and number.isdigit() else 0
    if not 0 < seconds <= 366 * 86400:
        raise argparse.ArgumentTypeError(f"{text!r}: a number and s, m, h or d, up to a year")
    return float(seconds)


class CannotStart(Exception):
    """One line: what is wrong and which setting to change."""


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            _prepare(settings, migrate=True)
            listener = _listen(args.host or settings.host, args.port or settings.port)
            with_workers = args.with_workers or settings.in_process_broker
            exit_quietly_after_shutdown()
            _run(serve(settings, listener, with_workers))
        elif args.command == "worker":
            if settings.in_process_broker:
                raise CannotStart("DIPTYCH_AMQP_URL: a separate worker needs a broker; without "
                                  "one, `diptych serve` runs the workers itself")
            _prepare(settings, migrate=False)
            _run(until_signalled(_worker(args.role, settings)))
        elif args.command == "token":
            if args.role == "customer" and not args.user:
                raise CannotStart("--user: a customer's token names the user it signs in")
            print(issue_token(settings, args.role, args.user, args.expires))
        elif args.command == "documents":
            _prepare(settings, migrate=False)
            try:
                found = import_manifest(args.manifest, settings.trusted_documents_file)
            except ManifestError as error:
                sys.exit(f"diptych: cannot import {args.manifest}: {error}")
            print(f"{found.count} trusted documents imported into "
                  f"{settings.trusted_documents_file}; `diptych serve` reads them at start")
        elif args.command == "parked":
            _prepare(settings, migrate=True)
            sys.exit(run_parked(settings, args))
        elif args.command == "rebuild":
            _prepare(settings, migrate=True)
            sys.exit(run_rebuild(settings, args.wait))
        else:
            _prepare(settings, migrate=True)
    except (SettingsError, CannotStart) as error:
        sys.exit(f"diptych: cannot start: {error}")


def _run(main: Coroutine[Any, Any, None]) -> None:
    """Run a long-lived process on uvloop (libuv's event loop, what uvicorn's standard install
    uses), which moves requests, database replies and thread hand-offs faster than asyncio's."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def _prepare(settings: Settings, migrate: bool) -> None:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = f"DIPTYCH_DATA_DIR: cannot create {settings.data_dir}: {error.strerror}"
        raise CannotStart(message) from error
    if not migrate:
        return
    try:
        asyncio.run(upgrade(settings.database_url))
    except Exception as error:  # an unreachable database surfaces as many driver errors
        message = f"DIPTYCH_DATABASE_URL: cannot migrate the write store: {reason(error)}"
        raise CannotStart(message) from error


def _listen(host: str, port: int) -> socket.socket:
    """Bind before opening anything else, so a taken port is reported plainly and never raced."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise CannotStart(
            f"cannot listen on {host}:{port} ({error.strerror}); choose another with --port or "
            "DIPTYCH_PORT"
        ) from error
    return listener


async def serve(settings: Settings, listener: socket.socket, with_workers: bool) -> None:
    from diptych.bootstrap import StartupError, create_app, run_services

    starting = stoppable_while_starting()
    try:
        async with run_services(settings, with_workers) as services:
            app = create_app(services, settings)
            # WebSocket messages are bounded like HTTP bodies (uvicorn's default is 16 MiB).
            # Behind the load balancer, the caller's address (anonymous budgets are keyed by it)
            # comes from X-Forwarded-For, trusted only from DIPTYCH_FORWARDED_ALLOW_IPS.
            config = uvicorn.Config(app, log_level="info", lifespan="on",
                                    ws_max_size=settings.limits.max_body_bytes,
                                    proxy_headers=True,
                                    forwarded_allow_ips=settings.forwarded_allow_ips)
            host, port = listener.getsockname()[:2]
            log.info("listening on http://%s:%d (GraphiQL at /graphql)", host, port)
            if not (settings.auth.jwks_url or settings.auth.public_key_file):
                log.info("a token for GraphiQL's Headers tab ({\"Authorization\": \"Bearer "
                         "...\"}): `.venv/bin/diptych token --role admin`")
            hand_signals_to_uvicorn(starting)
            await uvicorn.Server(config).serve(sockets=[listener])
    except StartupError as error:
        raise CannotStart(str(error)) from error
    except asyncio.CancelledError:
        if not starting.stopped:
            raise
        log.info("stopped by %s while starting", starting.stopped)


def _worker(role: str, settings: Settings) -> Callable[[asyncio.Event], Awaitable[None]]:
    from diptych.pipeline import run_projector, run_relay

    async def run(stop: asyncio.Event) -> None:
        from diptych.adapters import StartupError

        try:
            await (run_relay if role == "relay" else run_projector)(settings, stop)
        except StartupError as error:
            raise CannotStart(str(error)) from error
        log.info("%s stopped", role)

    return run
