"""`diptych parked list|retry|skip`: what operators do with parked events (workers/parking.py).

    diptych parked list                       every parked event, oldest first, with its error
    diptych parked retry AGGREGATE_ID|--all   replay them in order (a projector does, within
                                              seconds); those that fail again stay parked
    diptych parked skip EVENT_ID --reason R   drop one for good, logged with who and why
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from diptych.settings import Settings
from write.sqlalchemy import parked_store
from write.sqlalchemy.database import create_engine

log = logging.getLogger("diptych.parked")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parked = commands.add_parser("parked", help="list, replay or skip parked events")
    actions = parked.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every parked event, oldest first")
    retry = actions.add_parser("retry", help="replay parked events in order, after a fix")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("aggregate_id", nargs="?", help="the aggregate whose events to replay")
    which.add_argument("--all", action="store_true", help="every parked event")
    skip = actions.add_parser("skip", help="drop one parked event for good")
    skip.add_argument("event_id")
    skip.add_argument("--reason", required=True, help="why (kept with the record and logged)")
    skip.add_argument("--by", default=None, help="who (default: this account's name)")


def run_parked(settings: Settings, args: argparse.Namespace) -> int:
    """Run one action; the exit status (1: nothing to act on)."""
    return asyncio.run(_run(settings, args))


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database_url)
    try:
        if args.action == "list":
            return await _list(engine)
        if args.action == "retry":
            aggregate = None if args.all else args.aggregate_id
            count = await parked_store.request_retry(engine, aggregate)
            if not count:
                print("no parked events to replay" + ("" if args.all else
                      f" for aggregate {args.aggregate_id}"))
                return 1
            print(f"{count} parked event(s) marked for replay; a projector replays them within "
                  "seconds (`diptych parked list` shows what stays parked)")
            return 0
        by = args.by or getpass.getuser()
        skipped = await parked_store.skip(engine, args.event_id, by, args.reason)
        if skipped is None:
            print(f"no parked event {args.event_id}")
            return 1
        log.warning("parked event %s (%s of %s %s, version %s) skipped by %s: %s",
                    skipped.event_id, skipped.type, skipped.aggregate_type,
                    skipped.aggregate_id, skipped.aggregate_version, by, args.reason)
        later = (f"; `diptych parked retry {skipped.aggregate_id}` replays the aggregate's "
                 "later events" if skipped.aggregate_id else "")
        print(f"skipped {skipped.event_id}{later}")
        return 0
    finally:
        await engine.dispose()


async def _list(engine: AsyncEngine) -> int:
    waiting = await parked_store.waiting(engine)
    if not waiting:
        print("no parked events")
        return 0
    print(f"{'EVENT':36}  {'POSITION':>8}  {'AGGREGATE':45}  {'V':>4}  {'TYPE':22}  "
          f"{'PARKED AT':25}  {'TRIES':>5}  ERROR")
    for p in waiting:
        aggregate = f"{p.aggregate_type} {p.aggregate_id}" if p.aggregate_id else "-"
        retry = " (retry asked)" if p.retry_requested_at else ""
        print(f"{p.event_id:36}  {p.position or '-':>8}  {aggregate:45}  "
              f"{p.aggregate_version or '-':>4}  {p.type or '-':22}  "
              f"{p.parked_at.isoformat(timespec='seconds'):25}  {p.attempts:>5}  "
              f"{p.error}{retry}")
    return 0
