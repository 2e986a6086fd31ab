"""How the workers retry after a failure (tenacity), each policy named once here.

Waits grow exponentially to a cap, and none of the policies gives up by itself: a worker must
outlive an outage of the database, the broker or the index. Before each wait the worker logs what
failed, when it tries again, and the error with its traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

Sleep = Callable[[float], Awaitable[None]]

RELAY_FIRST_WAIT = 0.1  # seconds after the first failed round of the relay; doubling from there
RELAY_MAX_WAIT = 10.0
PROJECTING_FIRST_WAIT = 0.5  # seconds after a batch first failed to project; doubling from there
PROJECTING_MAX_WAIT = 30.0


def relay_rounds(log: logging.Logger, sleep: Sleep,
                 max_wait: float = RELAY_MAX_WAIT) -> AsyncRetrying:
    """Publish rounds of the relay: retried until one succeeds. `sleep` is the relay's own, which
    a wake-up ends early (the next attempt then starts at once; the waits keep growing)."""
    backoff = wait_exponential(multiplier=RELAY_FIRST_WAIT, max=max_wait)
    return _retrying(log, "relay failed", backoff, sleep, lambda: True)


def projecting_batch(log: logging.Logger, shard: int,
                     stopping: Callable[[], bool]) -> AsyncRetrying:
    """Projecting one batch of a shard: retried in place until it succeeds (an index outage must
    not burn the delivery limit); once `stopping()`, the last error is raised instead."""
    backoff = wait_exponential(multiplier=PROJECTING_FIRST_WAIT, max=PROJECTING_MAX_WAIT)
    return _retrying(log, f"shard {shard}: projecting failed", backoff, asyncio.sleep,
                     lambda: not stopping())


def _retrying(log: logging.Logger, failed: str, wait: wait_exponential, sleep: Sleep,
              go_on: Callable[[], bool]) -> AsyncRetrying:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.error("%s; retrying in %.1fs", failed, state.upcoming_sleep, exc_info=error)

    return AsyncRetrying(
        wait=wait,
        sleep=sleep,
        # Exceptions only: a cancellation (a BaseException) ends the attempts at once.
        retry=retry_if_exception(lambda error: isinstance(error, Exception) and go_on()),
        before_sleep=before_sleep,
        reraise=True,  # the error itself, not tenacity's RetryError
    )
