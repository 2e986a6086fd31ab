"""How fresh reads are while something is broken, seen as a client and as an operator see it.

Two loops beside the write stream, until told to stop:

- `statuses` asks `projectionStatus { lagSeconds mode parked { count } }` over GraphQL as the
  admin, every half second: the lag the read side reports and where it takes its events from
  (BROKER, or DIRECT while the broker is out of reach);
- `visibility` restocks one product every second and reads it back with the mutation's
  consistency token: how long a write took from its commit (the mutation's answer) to being
  visible in the index, as a client that reads its own write waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.errors import BenchError
from bench.graphql import PRODUCT_VERSION, GraphQLClient

STATUS = "query { projectionStatus { lagSeconds mode parked { count } } }"
RESTOCK = """
mutation($id: ID!) {
  restockProduct(input: {id: $id, quantity: 1}) {
    __typename ... on ProductRestocked { version consistencyToken } ... on Error { message }
  }
}"""
STATUS_EVERY, WRITE_EVERY = 0.5, 1.0


@dataclass(frozen=True)
class StatusSample:
    at: float  # time.monotonic()
    lag_s: float | None  # None: projectionStatus answered an error
    mode: str
    parked: int


@dataclass(frozen=True)
class Visibility:
    at: float  # when the write was answered (committed), time.monotonic()
    wait_s: float  # from then until the token read answered


async def statuses(graphql: GraphQLClient, stop: asyncio.Event,
                   samples: list[StatusSample]) -> None:
    """Samples of projectionStatus into `samples` until `stop` is set."""
    while not stop.is_set():
        try:
            status = (await graphql(STATUS))["projectionStatus"]
            samples.append(StatusSample(time.monotonic(), float(status["lagSeconds"]),
                                        str(status["mode"]), int(status["parked"]["count"])))
        except BenchError:
            samples.append(StatusSample(time.monotonic(), None, "ERROR", 0))
        await _pause(stop, STATUS_EVERY)


async def visibility(graphql: GraphQLClient, product: str, stop: asyncio.Event,
                     ) -> list[Visibility]:
    """A write and its token read every second until `stop` is set."""
    seen: list[Visibility] = []
    while not stop.is_set():
        answer = (await graphql(RESTOCK, id=product))["restockProduct"]
        committed = time.monotonic()
        if answer["__typename"] == "ProductRestocked":
            read = await graphql(PRODUCT_VERSION, id=product, token=answer["consistencyToken"])
            if read["product"]["version"] < answer["version"]:
                raise BenchError(f"a token read of {product} answered version "
                                 f"{read['product']['version']} below {answer['version']}")
            seen.append(Visibility(committed, time.monotonic() - committed))
        await _pause(stop, WRITE_EVERY)
    return seen


def modes(samples: Sequence[StatusSample]) -> list[str]:
    """The modes in the order they were seen, each change once (BROKER, DIRECT, BROKER)."""
    order: list[str] = []
    for sample in samples:
        if sample.mode != "ERROR" and (not order or order[-1] != sample.mode):
            order.append(sample.mode)
    return order


async def mode_after(samples: list[StatusSample], mode: str, since: float,
                     timeout: float) -> float | None:
    """Seconds from `since` to the first sample in `mode` after it, waiting up to `timeout`."""
    while True:
        found = next((s.at for s in samples if s.at >= since and s.mode == mode), None)
        if found is not None:
            return found - since
        if time.monotonic() - since > timeout:
            return None
        await asyncio.sleep(STATUS_EVERY / 2)


def worst_lag(samples: Sequence[StatusSample], since: float, until: float) -> float | None:
    """The largest lag reported between two time.monotonic() readings; None without a sample."""
    lags = [s.lag_s for s in samples if since <= s.at <= until and s.lag_s is not None]
    return max(lags) if lags else None


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
