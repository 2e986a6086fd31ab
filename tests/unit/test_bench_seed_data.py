"""The crud-vs-cqrs shop is shaped so that SQL and the index must give the same answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bench.seed_data import Plan, Size, plan, search_words
from read.tantivy.tantivy_schema import analyzer

SHOP = plan(Size(users=300, products=600, orders=3000, days=365),
            today=datetime(2026, 11, 23, 15, tzinfo=UTC))


def words(*texts: str) -> set[str]:
    """What the index makes of these texts: its own analyzer's words."""
    return {word for text in texts for word in analyzer().analyze(text)}


def test_ilike_finds_a_search_word_exactly_where_the_index_finds_it() -> None:
    # Order search matches a line's product name or SKU, or the customer's name or email: if
    # each of those records agrees, every order does.
    records = [(p.name, p.sku) for p in SHOP.products] + [(u.name, u.email) for u in SHOP.users]
    for word in search_words():
        for record in records:
            as_substring = any(word in text.lower() for text in record)
            assert as_substring == (word in words(*record)), (word, record)


def test_search_words_are_single_words_of_letters() -> None:
    assert all(re.fullmatch(r"[a-z]+", word) for word in search_words())


def test_no_two_products_share_a_price_and_no_two_orders_a_second() -> None:
    assert len({p.price for p in SHOP.products}) == len(SHOP.products)
    assert len({o.placed_at for o in SHOP.orders}) == len(SHOP.orders)


def test_orders_fill_the_year_before_today_oldest_first_and_never_sell_out() -> None:
    placed = [o.placed_at for o in SHOP.orders]
    assert placed == sorted(placed)
    assert SHOP.start <= placed[0] and placed[-1] < SHOP.end == datetime(2026, 11, 23, tzinfo=UTC)
    assert (SHOP.end - SHOP.start).days == 365
    assert all(o.placed_at <= o.settled_at < SHOP.end for o in SHOP.orders)
    assert_stock_covers_demand(SHOP)


def assert_stock_covers_demand(shop: Plan) -> None:
    demand = [0] * len(shop.products)
    for order in shop.orders:
        for product, quantity in order.lines:
            demand[product] += quantity
    assert all(p.stock >= d for p, d in zip(shop.products, demand, strict=True))


def test_the_plan_is_the_same_every_time() -> None:
    again = plan(Size(users=300, products=600, orders=3000, days=365),
                 today=datetime(2026, 11, 23, 15, tzinfo=UTC))
    assert again == SHOP
