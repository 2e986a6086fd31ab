"""Asking crud-vs-cqrs' questions both ways: the check that both ways agree, then the timed
rounds, one query at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from bench import questions, read_side, sql_side
from bench.errors import BenchError
from bench.load import Run, Tick, closed_loop
from bench.progress import bar
from bench.seed_data import Plan
from read.index import SearchIndex

Q = TypeVar("Q")
A = TypeVar("A")
Runs = dict[str, list[Run]]  # per question, a Run per round


@dataclass(frozen=True)
class Question(Generic[Q, A]):
    name: str
    askings: Sequence[Q]  # the parameters of each asking, in turn
    read: Callable[[SearchIndex, Q], Awaitable[A]]
    sql: Callable[[AsyncEngine, Q], Awaitable[A]]


@dataclass(frozen=True)
class BothWays:
    index: SearchIndex
    engine: AsyncEngine
    questions: Sequence[Question[Any, Any]]

    async def read(self, question: Question[Any, Any], number: int) -> object:
        return await question.read(self.index, question.askings[number])

    async def sql(self, question: Question[Any, Any], number: int) -> object:
        return await question.sql(self.engine, question.askings[number])


def the_questions(plan: Plan, count: int) -> list[Question[Any, Any]]:
    """The three questions, each with `count` askings of its own."""
    categories = sorted({product.category for product in plan.products})
    return [
        Question("order search", questions.order_searches(count, plan.start, plan.end),
                 read_side.search_orders, sql_side.search_orders),
        Question("sales by day", questions.sales_periods(count, plan.start, plan.end),
                 read_side.sales_by_day, sql_side.sales_by_day),
        Question("products by category", questions.category_pages(count, categories),
                 read_side.category_page, sql_side.category_page),
    ]


async def same_answers(ways: BothWays, count: int) -> None:
    """Each way's answer to the first `count` askings of every question must be the other's, and
    the first must hold something (questions.py makes it broad)."""
    for question in ways.questions:
        for number in range(count):
            ours, theirs = await ways.read(question, number), await ways.sql(question, number)
            if ours != theirs:
                raise BenchError(f"{question.name} #{number}: the read side and SQL disagree:\n"
                                 f"{ours}\n!=\n{theirs}")
            if number == 0 and questions.empty(ours):
                raise BenchError(f"{question.name}: the broad first asking found nothing")


async def rounds(ways: BothWays, first: int, count: int, per_round: int, label: str
                 ) -> tuple[Runs, Runs]:
    """`count` rounds from asking number `first` on: in each, every question `per_round` times
    the read side's way and as many times SQL's, with the same parameters. Which way goes first
    alternates, so neither always finds the other's pages in the caches."""
    ours: Runs = {q.name: [] for q in ways.questions}
    theirs: Runs = {q.name: [] for q in ways.questions}
    total = 2 * len(ways.questions) * count * per_round
    with bar(f"{label}: ask", total, unit="query") as progress:
        for number in range(count):
            start = first + number * per_round
            for question in ways.questions:
                sides = [(ways.read, ours), (ways.sql, theirs)]
                for way, runs in sides if number % 2 == 0 else sides[::-1]:
                    runs[question.name].append(
                        await _one_at_a_time(way, question, start, per_round, progress.update))
    return ours, theirs


async def _one_at_a_time(
    way: Callable[[Question[Any, Any], int], Awaitable[object]],
    question: Question[Any, Any],
    start: int,
    count: int,
    tick: Tick,
) -> Run:
    async def asking(number: int) -> None:
        await way(question, start + number)

    return await closed_loop(asking, count, 1, tick)
