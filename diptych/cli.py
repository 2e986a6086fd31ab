"""The `diptych` command: `diptych serve [--host H] [--port N]`, `diptych migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

import uvicorn

from diptych.settings import Settings, SettingsError
from write.migrate import upgrade

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diptych", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the GraphQL API (and, embedded, the workers)")
    serve.add_argument("--host", help="interface to listen on (DIPTYCH_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (DIPTYCH_PORT, default 8000)")
    commands.add_parser("migrate", help="bring the write store's schema up to date")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(upgrade(settings.database_url))
    except (SettingsError, OSError) as error:
        sys.exit(f"diptych: cannot start: {error}")
    except Exception as error:  # an unreachable database surfaces as many driver errors
        sys.exit(f"diptych: cannot start: write store unreachable or unusable: {error}")
    if args.command == "serve":
        serve(settings, args.host or settings.host, args.port or settings.port)


def serve(settings: Settings, host: str, port: int) -> None:
    from diptych.bootstrap import create_app

    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="info")
    server = uvicorn.Server(config)
    _exit_quietly_after_shutdown()
    server.run()
    if not server.started:
        sys.exit("diptych: cannot start: see the log line above")


def _exit_quietly_after_shutdown() -> None:
    """uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to whatever
    handler was installed before it. Ours does nothing, so a requested stop exits with status 0."""

    def stopped(signum: int, frame: FrameType | None) -> None:
        log.info("stopped by %s", signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stopped)
