"""Made-up products for the scenarios: deterministic, and varied enough for full-text search."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

ADJECTIVES = ("compact", "wireless", "ergonomic", "silent", "rugged", "slim", "bright", "modular")
NOUNS = ("keyboard", "mouse", "monitor", "headset", "webcam", "charger", "speaker", "dock",
         "cable", "lamp", "stand", "router")
CATEGORIES = ("input", "audio", "video", "power", "desk", "network")


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    stock: int

    def variables(self) -> dict[str, object]:
        """The `addProduct` input, as GraphQL variables."""
        return {
            "sku": self.sku,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "price": str(self.price),
            "stock": self.stock,
        }


def products(prefix: str, count: int, tag: str = "") -> list[ProductSpec]:
    """`count` products with SKUs `PREFIX-000000`...; `tag`, a word found nowhere else, goes into
    every description so that a search for it counts exactly these products."""
    rng = random.Random(prefix)
    specs = []
    for number in range(count):
        noun = rng.choice(NOUNS)
        category = rng.choice(CATEGORIES)
        specs.append(ProductSpec(
            sku=f"{prefix}-{number:06d}".upper(),
            name=f"{rng.choice(ADJECTIVES)} {noun}",
            description=f"A {rng.choice(ADJECTIVES)} {noun} for the {category} shelf {tag}".strip(),
            category=category,
            price=Decimal(rng.randrange(100, 50_000)).scaleb(-2),
            stock=rng.randrange(0, 100),
        ))
    return specs


def search_terms() -> tuple[str, ...]:
    """What the read scenario searches for, in turn: every noun, and every adjective."""
    return NOUNS + ADJECTIVES


def tag(name: str, number: int) -> str:
    """A word of letters only (no analyzer splits or stems it apart) unique to (name, number)."""
    letters = "".join(chr(ord("a") + int(digit)) for digit in str(number))
    return f"zq{name}{letters}"
