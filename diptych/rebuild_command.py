"""`diptych rebuild`: build a new index version from the event log beside the live one, then swap.

The live index keeps serving meanwhile and the projector keeps it current; the swap waits until
the new version holds everything the live one does, so no query fails or goes backwards. A
progress bar with an ETA goes to stderr when it is a terminal; the totals are printed anyway.
The steps are in workers/index_rebuild.py, the live projector's side in workers/index_handover.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from typing import NoReturn

from tqdm import tqdm

from diptych.adapters import StartupError, open_write_store
from diptych.settings import Settings
from workers.catch_up import Progress
from workers.index_rebuild import HandoverTimeout, RebuildRunning, TantivyRebuild
from write.sqlalchemy import outbox

WAIT = 600.0  # seconds the live projector has to take the new version over


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rebuild = commands.add_parser(
        "rebuild", help="build a new index version from the event log and swap it in, live"
    )
    rebuild.add_argument(
        "--wait", type=float, default=WAIT, metavar="SECONDS",
        help=f"how long the live projector may take to switch over (default {WAIT:g})",
    )


def run_rebuild(settings: Settings, wait: float = WAIT) -> int:
    """Rebuild the index; the exit status (0 swapped, 1 refused or not swapped in time)."""
    if settings.elasticsearch_url is not None:
        return _refuse("DIPTYCH_ELASTICSEARCH_URL is set: rebuilding an Elasticsearch index "
                       "is not supported yet (only the embedded tantivy index)")
    try:
        return asyncio.run(_rebuild(settings, wait))
    except RebuildRunning as error:
        return _refuse(str(error))
    except StartupError as error:
        return _refuse(str(error))
    except HandoverTimeout as error:
        print(f"diptych rebuild: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("diptych rebuild: interrupted; the live index is unchanged unless the new "
              "version was already handed over", file=sys.stderr)
        return 130


async def _rebuild(settings: Settings, wait: float) -> int:
    async with contextlib.AsyncExitStack() as stack:
        engine = await open_write_store(stack, settings)
        with TantivyRebuild(engine, settings.index_dir, settings.keep_index_versions,
                            settings.park_after) as rebuild:
            head = await outbox.last_position(engine)
            print(f"rebuilding the index under {settings.index_dir} from the event log "
                  f"({head} events)", flush=True)
            started = time.monotonic()
            with _bar(head) as bar:
                built = await rebuild.build(_advance(bar))
            print(f"built {built.version}: {built.events} events up to position "
                  f"{built.position} in {time.monotonic() - started:.1f}s; handing over",
                  flush=True)
            by = await rebuild.hand_over(built, wait)
            print(f"swapped: queries now read {built.version} (taken over by {by})", flush=True)
    return 0


def _bar(total: int) -> tqdm[NoReturn]:
    # disable=None: silent when stderr is not a terminal (CI, logs), as the benchmark's bars.
    return tqdm(total=total, desc="rebuild", unit="event", disable=None, dynamic_ncols=True,
                file=sys.stderr)


def _advance(bar: tqdm[NoReturn]) -> Progress:
    def advance(position: int, end: int) -> None:
        if end > (bar.total or 0):  # commits go on during the rebuild
            bar.total = end
        bar.update(position - bar.n)

    return advance


def _refuse(reason: str) -> int:
    print(f"diptych rebuild: refused: {reason}", file=sys.stderr)
    return 1
