"""Asking both sides of the peers scenario: GraphQL over HTTP through one Python client, the
check that both answer alike, and the timed rounds, `concurrency` requests at a time, which side
goes first alternating from round to round."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench import catalog
from bench.errors import BenchError
from bench.graphql import ADD_PRODUCT, PRODUCT_VERSION
from bench.load import Run, Tick, closed_loop
from bench.load_http import LoadHttp
from bench.peer_questions import Data, PeerQuestion, Request

STALLED = 120.0  # seconds without the projector moving before the run gives up
PROJECTION = "query { projectionStatus { projectorPosition } }"
CREATE_PRODUCT = """
mutation($product: ProductInput!) {
  createProduct(input: {product: $product}) { product { rowId version } }
}"""


@dataclass(frozen=True)
class Endpoint:
    """A GraphQL server as a frontend calls it: its URL and the headers every request carries
    (Diptych's admin token)."""

    http: LoadHttp
    url: str
    headers: dict[str, str]

    async def __call__(self, request: Request) -> Data:
        """The answer's `data`; a BenchError if it has errors (only successes are measured)."""
        document, variables = request
        status, body = await self.http.post_json(
            self.url, {"query": document, "variables": variables}, self.headers)
        if status != 200 or body.get("errors"):
            raise BenchError(f"{self.url} answered {status}: {str(body)[:1000]}")
        data: Data = body["data"]
        return data


async def same_answers(diptych: Endpoint, peer: Endpoint, question: PeerQuestion,
                       count: int) -> None:
    """Both sides' answers to the first `count` askings must be equal, and the first (broad, see
    bench/questions.py) must hold something."""
    for number in range(count):
        ours = question.diptych_answer(await diptych(question.diptych(number)))
        theirs = question.peer_answer(await peer(question.peer(number)))
        if ours != theirs:
            raise BenchError(f"peers, {question.name} #{number}: Diptych and PostGraphile "
                             f"disagree:\n{ours}\n!=\n{theirs}")
        if number == 0 and not _holds_something(ours):
            raise BenchError(f"peers, {question.name}: the broad first asking found nothing")


def _holds_something(answer: object) -> bool:
    if isinstance(answer, tuple) and answer and isinstance(answer[0], int):
        return answer[0] > 0  # (totalCount, page)
    return bool(answer)


Operation = Callable[[int], Awaitable[object]]


async def alternating(rounds: int, diptych: Callable[[int], Operation],
                      peer: Callable[[int], Operation], count: int, concurrency: int,
                      tick: Tick, after_ours: Callable[[int], Awaitable[None]] | None = None
                      ) -> tuple[list[Run], list[Run]]:
    """`rounds` rounds of `count` operations a side; `diptych(round)` gives that round's operation
    (its argument: the operation's number in the round); Diptych first in even rounds, the peer
    first in odd ones. `after_ours(round)`, untimed, after each of Diptych's rounds."""
    ours: list[Run] = []
    theirs: list[Run] = []
    for number in range(rounds):
        async def our_round(number: int = number) -> None:
            ours.append(await closed_loop(diptych(number), count, concurrency, tick))
            if after_ours is not None:
                await after_ours(number)

        async def their_round(number: int = number) -> None:
            theirs.append(await closed_loop(peer(number), count, concurrency, tick))

        for side in (our_round, their_round) if number % 2 == 0 else (their_round, our_round):
            await side()
    return ours, theirs


def reading(endpoint: Endpoint, request: Callable[[int], Request], start: int, per_round: int
            ) -> Callable[[int], Operation]:
    """Per round, an operation asking the askings from `start` on, `per_round` further each round
    (the question wraps around its askings): both sides ask the same, round by round."""
    def for_round(round_number: int) -> Operation:
        async def ask(number: int) -> None:
            await endpoint(request(start + round_number * per_round + number))
        return ask
    return for_round


@dataclass
class Writes:
    """Both sides' product creations, and what Diptych's answered, to check they became
    visible."""

    diptych: Endpoint
    peer: Endpoint
    count: int
    concurrency: int
    added: list[tuple[str, str]]  # Diptych's (id, consistencyToken), this round's
    checked: int = 0
    slowest_check_s: float = 0.0

    def ours(self, prefix: str) -> Callable[[int], Operation]:
        def for_round(round_number: int) -> Operation:
            specs = catalog.products(f"{prefix}{round_number}", self.count)
            self.added.clear()

            async def add(number: int) -> None:
                data = await self.diptych((ADD_PRODUCT, specs[number].variables()))
                added = data["addProduct"]
                if added["__typename"] != "ProductAdded":
                    raise BenchError(f"addProduct was refused: {added}")
                self.added.append((added["id"], added["consistencyToken"]))
            return add
        return for_round

    def theirs(self, prefix: str) -> Callable[[int], Operation]:
        def for_round(round_number: int) -> Operation:
            specs = catalog.products(f"{prefix}{round_number}", self.count)

            async def create(number: int) -> None:
                product = {"rowId": str(uuid.uuid4()), "status": "active", "version": 1,
                           **specs[number].variables()}
                await self.peer((CREATE_PRODUCT, {"product": product}))
            return create
        return for_round

    async def check_visible(self, _: int) -> None:
        """Every product Diptych added this round, read back with its consistency token (the
        query waits until the index holds it): none may be missing."""
        started = time.perf_counter()
        pending = list(self.added)

        async def one() -> None:
            while pending:
                id_, token = pending.pop()
                data = await self.diptych((PRODUCT_VERSION, {"id": id_, "token": token}))
                if data["product"] is None:
                    raise BenchError(f"product {id_} is not visible with its token")
                self.checked += 1

        async with asyncio.TaskGroup() as group:
            for _ in range(self.concurrency):
                group.create_task(one())
        self.slowest_check_s = max(self.slowest_check_s, time.perf_counter() - started)


async def until_projected(diptych: Endpoint, head: int) -> float:
    """Until Diptych's projector has indexed the log up to `head`; the seconds it took."""
    started = moved = time.perf_counter()
    done = -1
    while True:
        position = (await diptych((PROJECTION, {})))["projectionStatus"]["projectorPosition"]
        if position >= head:
            return time.perf_counter() - started
        if position > done:
            done, moved = position, time.perf_counter()
        elif time.perf_counter() - moved > STALLED:
            raise BenchError(f"projection stalled at position {position} of {head} for "
                             f"{STALLED:g}s")
        await asyncio.sleep(0.25)
