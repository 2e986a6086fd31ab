"""A made-up shop for the crud-vs-cqrs scenario: users, products and a year of their orders.

Deterministic (one seed), and shaped so that both ways of answering a question must agree:
- every word a question searches for is a whole word that is part of no other word in the data
  (names, emails, SKUs), so SQL's ILIKE '%word%' and the index's word match find the same orders;
- prices are all different and orders are placed at different seconds, so "by price" and
  "newest first" give one order, whatever each side breaks ties with.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from write.products.product_commands import AddProduct
from write.users.user_commands import RegisterUser

# Each category's product nouns: the words order searches look for, with the adjectives.
NOUNS = {
    "input": ("keyboard", "mouse", "trackpad", "stylus"),
    "audio": ("headset", "speaker", "microphone", "earbuds"),
    "video": ("monitor", "webcam", "projector"),
    "power": ("charger", "battery", "inverter"),
    "desk": ("lamp", "organizer", "footrest"),
    "network": ("router", "modem", "repeater"),
    "storage": ("drive", "enclosure", "memorycard"),
    "cables": ("cable", "splitter", "dongle"),
}
CATEGORY_SHARE = {"input": 5, "audio": 4, "video": 3, "power": 3, "desk": 2, "network": 2,
                  "storage": 3, "cables": 4}
ADJECTIVES = ("compact", "wireless", "ergonomic", "silent", "rugged", "slim", "bright",
              "modular", "portable", "vintage")
BRANDS = ("Aurora", "Nimbus", "Vertex", "Helix", "Quasar", "Orbit", "Zephyr", "Kestrel")
FIRST_NAMES = ("Anna", "Omar", "Sofia", "Kenji", "Amara", "Lukas", "Priya", "Mateo", "Ingrid",
               "Tomasz", "Chloe", "Dmitri", "Fatima", "Javier", "Ewa", "Noah")
LAST_NAMES = ("Garcia", "Nakamura", "Okafor", "Lindqvist", "Moreau", "Rossi", "Kowalski",
              "Haddad", "Fischer", "Novak", "Tanaka", "Schmidt", "Murphy", "Dubois", "Jensen",
              "Petrov", "Yilmaz", "Oyelaran")
SETTLE_AFTER = (1, 12)  # days from placement to shipping or cancelling


@dataclass(frozen=True)
class Size:
    users: int
    products: int
    orders: int
    days: int  # the period the orders are placed over, ending at the start of today (UTC)


@dataclass(frozen=True)
class PlannedOrder:
    user: int  # index into Plan.users
    lines: tuple[tuple[int, int], ...]  # (index into Plan.products, quantity), distinct products
    placed_at: datetime
    fate: str | None  # "shipped", "cancelled", or None (still placed)
    settled_at: datetime  # when it ships or is cancelled (unused while placed)


@dataclass(frozen=True)
class Plan:
    start: datetime  # the first moment of the period
    end: datetime  # the first moment after it
    users: list[RegisterUser]
    products: list[AddProduct]
    orders: list[PlannedOrder]  # oldest first


def plan(size: Size, today: datetime | None = None) -> Plan:
    rng = random.Random(20261124)
    now = today or datetime.now(UTC)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=size.days)
    users = [_user(rng, n) for n in range(size.users)]
    orders = _orders(rng, size, start, end)
    demand = [0] * size.products
    for order in orders:
        for product, quantity in order.lines:
            demand[product] += quantity
    prices = _distinct_prices(rng, size.products)
    products = [_product(rng, n, prices[n], demand[n]) for n in range(size.products)]
    return Plan(start, end, users, products, orders)


def search_words() -> tuple[str, ...]:
    """What the order search looks for: product nouns, adjectives and customers' last names."""
    nouns = tuple(noun for group in NOUNS.values() for noun in group)
    return nouns + ADJECTIVES + tuple(name.lower() for name in LAST_NAMES)


def _user(rng: random.Random, number: int) -> RegisterUser:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return RegisterUser(f"{first} {last}", f"{first}.{last}{number}@example.com".lower())


def _product(rng: random.Random, number: int, price: Decimal, demand: int) -> AddProduct:
    category = rng.choices(list(CATEGORY_SHARE), weights=list(CATEGORY_SHARE.values()))[0]
    noun, adjective, brand = rng.choice(NOUNS[category]), rng.choice(ADJECTIVES), rng.choice(BRANDS)
    return AddProduct(
        sku=f"{category[:3].upper()}-{number:06d}",
        name=f"{brand} {adjective} {noun}",
        description=f"A {adjective} {noun} by {brand}, for the {category} shelf.",
        category=category,
        price=price,
        stock=demand + rng.randrange(0, 200),  # never sells out: every planned order goes through
    )


def _distinct_prices(rng: random.Random, count: int) -> list[Decimal]:
    """Log-uniform from 1.99 to 1,999.99, no two alike."""
    low, high = math.log(199), math.log(199_999)
    seen: set[int] = set()
    while len(seen) < count:
        seen.add(int(math.exp(rng.uniform(low, high))))
    prices = sorted(seen)
    rng.shuffle(prices)
    return [Decimal(cents).scaleb(-2) for cents in prices]


def _orders(rng: random.Random, size: Size, start: datetime, end: datetime) -> list[PlannedOrder]:
    seconds = sorted(rng.sample(range(int((end - start).total_seconds())), size.orders))
    orders = []
    for second in seconds:
        placed_at = start + timedelta(seconds=second)
        count = rng.choices((1, 2, 3, 4, 5), weights=(30, 25, 20, 15, 10))[0]
        products: dict[int, int] = {}
        while len(products) < count:  # a mild skew: low product numbers sell more
            products.setdefault(int(size.products * rng.random() ** 1.3),
                                rng.choices((1, 2, 3, 4, 5), weights=(60, 20, 10, 6, 4))[0])
        settled_at = min(placed_at + timedelta(days=rng.uniform(*SETTLE_AFTER)),
                         end - timedelta(seconds=1))
        orders.append(PlannedOrder(
            user=int(size.users * rng.random() ** 1.2),
            lines=tuple(products.items()),
            placed_at=placed_at,
            fate=_fate(rng, end - placed_at),
            settled_at=max(settled_at, placed_at),
        ))
    return orders


def _fate(rng: random.Random, age: timedelta) -> str | None:
    """Some older orders have shipped and a few were cancelled; the newest mostly wait. (Kept to
    about a third: each is one more command to seed.)"""
    shipped, cancelled = (0.3, 0.04) if age > timedelta(days=SETTLE_AFTER[1]) else (0.1, 0.02)
    draw = rng.random()
    return "shipped" if draw < shipped else "cancelled" if draw < shipped + cancelled else None
