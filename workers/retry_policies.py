"""How the workers retry after a failure (tenacity), each policy named once here.

Waits grow exponentially to a cap, and none of the policies gives up by itself: a worker must
outlive an outage of the database, the broker or the index. Before each wait the worker logs what
failed and when it tries again (the relay's and a projector's failures with their traceback; a
relay lock out of reach, an expected outage, without).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    retry_if_result,
    wait_exponential,
)

Sleep = Callable[[float], Awaitable[None]]

RELAY_FIRST_WAIT = 0.1  # seconds after the first failed round of the relay; doubling from there
RELAY_MAX_WAIT = 10.0
PROJECTING_FIRST_WAIT = 0.5  # seconds after a batch first failed to project; doubling from there
PROJECTING_MAX_WAIT = 30.0
LOCK_MAX_WAIT = 2.0  # the longest wait between attempts to become the active relay
LOCK_FIRST_WAIT = LOCK_MAX_WAIT / 8  # a database blip is often over by then
relay_log = logging.getLogger("workers.relay_lock")  # its lines read as the lock's own


def relay_rounds(log: logging.Logger, sleep: Sleep, max_wait: float = RELAY_MAX_WAIT,
                 expected: tuple[type[Exception], ...] = ()) -> AsyncRetrying:
    """Publish rounds of the relay: retried until one succeeds. `sleep` is the relay's own, which
    only stopping ends early: commits keep waking the relay during an outage, and each wake-up
    cutting the wait short would turn the backoff into a retry per commit. An `expected` failure
    (the broker or the store out of reach) is one warning line; anything else, a traceback."""
    backoff = wait_exponential(multiplier=RELAY_FIRST_WAIT, max=max_wait)
    return _retrying(log, "relay failed", backoff, sleep, lambda: True, expected)


def projecting_batch(log: logging.Logger, shard: int,
                     stopping: Callable[[], bool]) -> AsyncRetrying:
    """Projecting one batch of a shard: retried in place until it succeeds (an index outage must
    not burn the delivery limit); once `stopping()`, the last error is raised instead."""
    backoff = wait_exponential(multiplier=PROJECTING_FIRST_WAIT, max=PROJECTING_MAX_WAIT)
    return _retrying(log, f"shard {shard}: projecting failed", backoff, asyncio.sleep,
                     lambda: not stopping())


def _retrying(log: logging.Logger, failed: str, wait: wait_exponential, sleep: Sleep,
              go_on: Callable[[], bool],
              expected: tuple[type[Exception], ...] = ()) -> AsyncRetrying:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, expected):
            log.warning("%s (%s); retrying in %.1fs", failed, error, state.upcoming_sleep)
        else:
            log.error("%s; retrying in %.1fs", failed, state.upcoming_sleep, exc_info=error)

    return AsyncRetrying(
        wait=wait,
        sleep=sleep,
        # Exceptions only: a cancellation (a BaseException) ends the attempts at once.
        retry=retry_if_exception(lambda error: isinstance(error, Exception) and go_on()),
        before_sleep=before_sleep,
        reraise=True,  # the error itself, not tenacity's RetryError
    )


def until_held(stop: asyncio.Event, unreachable: tuple[type[Exception], ...]) -> AsyncRetrying:
    """The retry policy for becoming the active relay: try again while another relay holds the
    lock (an attempt returned False) or the lock's store is `unreachable`, soon at first, then
    every LOCK_MAX_WAIT seconds, until the lock is held or `stop` is set (then: False)."""

    async def pause(seconds: float) -> None:  # a sleep that `stop` cuts short
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    def stopped(state: RetryCallState) -> bool:
        return stop.is_set()

    def not_held(state: RetryCallState) -> bool:
        return False

    return AsyncRetrying(
        retry=retry_if_result(_is_false) | retry_if_exception_type(unreachable),
        wait=wait_exponential(multiplier=LOCK_FIRST_WAIT, max=LOCK_MAX_WAIT),
        sleep=pause,
        stop=stopped,
        before_sleep=_log_unreachable,
        retry_error_callback=not_held,
    )


def _is_false(held: object) -> bool:
    return held is False


def _log_unreachable(state: RetryCallState) -> None:
    """Each failed attempt, with its reason; standing by behind another relay is logged once, by
    the lock itself."""
    if state.outcome is not None and state.outcome.failed:
        relay_log.warning("cannot take the relay lock (%s); trying again in %gs",
                    state.outcome.exception(), state.upcoming_sleep)
