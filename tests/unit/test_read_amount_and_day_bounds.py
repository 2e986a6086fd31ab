"""Amounts and days that no arithmetic can hold are refused as the query's field errors, before any
arithmetic is done on them and before the index is asked anything."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal, localcontext

import pytest

from read.index import Range
from read.query import product_queries
from read.query.order_queries import LAST_DAY, OrderFilter, day_range, orders
from read.query.paging import MAX_AMOUNT, money_range
from read.query.product_queries import ProductFilter
from read.query.query_errors import InvalidQuery
from read.query.sales_queries import GroupBy, Interval, bucket_starts, sales_summary
from tests.unit.memory_index import MemoryIndex

HUGE = ["1e999999999", "1e999997", "1e25", "9999999999999", "Infinity", "NaN", "-0.01"]


@pytest.mark.parametrize("amount", HUGE)
@pytest.mark.parametrize("end", ["low", "high"])
def test_an_amount_beyond_any_price_is_refused_on_its_own_field(amount: str, end: str) -> None:
    # 1e999999999 used to overflow (decimal.Overflow, a masked bug); 1e999997 used to take 35 s
    # of CPU on the event loop to become an int of a million digits.
    low, high = (Decimal(amount), None) if end == "low" else (None, Decimal(amount))
    with pytest.raises(InvalidQuery) as refused:
        money_range("price_cents", low, high, "minPrice", "maxPrice")
    field = "minPrice" if end == "low" else "maxPrice"
    assert refused.value.field == field
    assert refused.value.message == f"{field} must be a non-negative amount of at most {MAX_AMOUNT}"


@pytest.mark.parametrize(("low", "high", "cents"), [
    ("0", "999999999999.99", (0, 99_999_999_999_999)),
    ("10.005", "10.015", (1001, 1001)),  # inclusive: each end rounds inwards, to whole cents
    ("1e-999999999", "1e2", (1, 10_000)),  # a tiny amount still rounds up to a whole cent
])
def test_an_amount_within_bounds_becomes_exact_cents(
    low: str, high: str, cents: tuple[int, int]
) -> None:
    found = money_range("price_cents", Decimal(low), Decimal(high), "minPrice", "maxPrice")
    assert found == Range("price_cents", gte=cents[0], lte=cents[1])


def test_an_amount_becomes_cents_exactly_whatever_the_thread_decimal_context() -> None:
    with localcontext(Context(prec=5)):  # 5 digits cannot hold 99999999999999 cents
        found = money_range("p", None, Decimal("999999999999.99"), "minPrice", "maxPrice")
    assert found == Range("p", lte=99_999_999_999_999)


async def test_a_refused_amount_never_reaches_the_index() -> None:
    index = MemoryIndex()  # it refuses searches loudly: reaching it would fail differently
    with pytest.raises(InvalidQuery) as refused:
        await product_queries.products(index, ProductFilter(min_price=Decimal("1e999999999")))
    assert refused.value.field == "minPrice"
    with pytest.raises(InvalidQuery) as refused:
        await orders(index, OrderFilter(max_total=Decimal("1e999999999")))
    assert refused.value.field == "maxTotal"


def ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000)


def test_the_first_and_the_last_day_a_query_takes_make_a_range() -> None:
    assert day_range("placed_ms", date.min, LAST_DAY, "placedFrom", "placedTo") == Range(
        "placed_ms", gte=ms(date.min), lte=ms(LAST_DAY + timedelta(days=1)) - 1
    )
    assert date(9999, 11, 30) == LAST_DAY


@pytest.mark.parametrize("day", [date.max, date(9999, 12, 1), LAST_DAY + timedelta(days=1)])
def test_a_day_too_late_to_add_to_is_refused_on_its_own_field(day: date) -> None:
    with pytest.raises(InvalidQuery) as refused:
        day_range("placed_ms", None, day, "placedFrom", "placedTo")  # date.max + 1 day overflowed
    assert refused.value.field == "placedTo"
    assert "from 0001-01-01 to 9999-11-30" in refused.value.message
    with pytest.raises(InvalidQuery) as refused:
        day_range("placed_ms", day, None, "placedFrom", "placedTo")
    assert refused.value.field == "placedFrom"


async def test_orders_placed_up_to_the_last_possible_day_are_refused_before_the_index() -> None:
    with pytest.raises(InvalidQuery) as refused:
        await orders(MemoryIndex(), OrderFilter(placed_to=date.max))
    assert refused.value.field == "placedTo"


@pytest.mark.parametrize("interval", list(Interval))
def test_sales_buckets_reach_the_last_day_a_query_takes(interval: Interval) -> None:
    starts = bucket_starts(LAST_DAY - timedelta(days=40), LAST_DAY, interval)
    assert starts[-1] <= LAST_DAY
    assert bucket_starts(date.min, date.min + timedelta(days=6), interval)[0] == date.min


@pytest.mark.parametrize("interval", list(Interval))
@pytest.mark.parametrize(("first", "last", "field"), [
    (date(9999, 12, 1), date.max, "from"),  # the month after 9999-12 overflowed
    (date(9999, 12, 27), date.max, "from"),  # the week after 9999-12-27 overflowed
    (LAST_DAY, date.max, "to"),
])
def test_sales_periods_whose_next_bucket_would_overflow_are_refused(
    interval: Interval, first: date, last: date, field: str
) -> None:
    with pytest.raises(InvalidQuery) as refused:
        bucket_starts(first, last, interval)
    assert refused.value.field == field


async def test_a_sales_summary_too_late_is_refused_before_the_index() -> None:
    with pytest.raises(InvalidQuery) as refused:
        await sales_summary(MemoryIndex(), date(9999, 12, 1), date.max, Interval.MONTH,
                            GroupBy.STATUS)
    assert refused.value.field == "from"
