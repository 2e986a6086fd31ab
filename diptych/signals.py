"""How a `diptych` process stops on SIGTERM and Ctrl-C: while starting (the start is cancelled
and unwinds), while serving (uvicorn's graceful shutdown), and as a worker (its stop event)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from types import FrameType

log = logging.getLogger("diptych.cli")  # the lines operators know, whichever module says them


class Starting:
    stopped: str | None = None  # the signal that stopped the start, if one did


def stoppable_while_starting() -> Starting:
    """Until uvicorn serves, SIGTERM and Ctrl-C stop the start (connecting, migrating, catching
    the index up from the log can each take a while), unwinding whatever was already opened."""
    starting, loop = Starting(), asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def stop(signum: signal.Signals) -> None:
        if starting.stopped:  # once: a second signal must not cut the unwinding short
            return
        starting.stopped = signum.name
        task.cancel()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)
    return starting


def hand_signals_to_uvicorn(starting: Starting) -> None:
    """Serving: uvicorn shuts down gracefully on the signals itself (see
    exit_quietly_after_shutdown for what runs after it)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(signum)
    exit_quietly_after_shutdown()


async def until_signalled(work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `work` until SIGTERM/SIGINT sets its stop event; it then finishes what it holds."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stopped(signum: signal.Signals) -> None:
        log.info("stopped by %s", signum.name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped, signum)
    await work(stop)


def exit_quietly_after_shutdown() -> None:
    """uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to whatever
    handler was installed before it. Ours only logs, so a requested stop exits with status 0."""

    def stopped(signum: int, frame: FrameType | None) -> None:
        log.info("stopped by %s", signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stopped)
