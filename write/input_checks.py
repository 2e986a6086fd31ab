"""Input checks shared by the handlers. Each returns the clean value or records a field error.

A command is checked as a whole, so a client learns about every bad field at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from types import TracebackType

from write.command_errors import InvalidInput
from write.domain_limits import (
    CENT,
    EMAIL_MAX,
    MONEY,
    ORDER_LINES_MAX,
    PRICE_MAX,
    QUANTITY_MAX,
    SKU_MAX,
    STOCK_MAX,
)
from write.identifiers import aggregate_id
from write.orders.order_commands import RequestedLine

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
_SKU = re.compile(r"[A-Z0-9][A-Z0-9._-]*")


class Checks:
    """Collects field errors; `with Checks() as check:` raises InvalidInput if any were found."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def __enter__(self) -> Checks:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None and self.errors:
            raise InvalidInput(self.errors)

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def text(self, field: str, value: str, max_length: int, required: bool = True) -> str:
        clean = value.strip()
        if required and not clean:
            self.fail(field, "must not be empty")
        elif len(clean) > max_length:
            self.fail(field, f"must be at most {max_length} characters")
        elif any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in clean):
            self.fail(field, "must not contain control characters")
        return clean

    def email(self, field: str, value: str) -> str:
        clean = self.text(field, value, EMAIL_MAX)
        if field not in self.errors and not _EMAIL.fullmatch(clean):
            self.fail(field, "must be an email address like name@example.com")
        return clean

    def sku(self, field: str, value: str) -> str:
        clean = self.text(field, value, SKU_MAX).upper()
        if field not in self.errors and not _SKU.fullmatch(clean):
            self.fail(field, "may hold only letters, digits, '.', '_' and '-'")
        return clean

    def price(self, field: str, value: Decimal) -> Decimal:
        # Compared before any arithmetic: a comparison costs the same whatever the exponent,
        # while arithmetic on 1e999999999 overflows. The one operation after it runs in a
        # context of its own, so a thread's decimal context (fewer digits, more traps) cannot
        # make a valid price raise.
        if not value.is_finite() or not Decimal(0) < value <= PRICE_MAX:
            self.fail(field, f"must be greater than 0 and at most {PRICE_MAX}")
            return value
        exact = value.quantize(CENT, context=MONEY)
        if exact != value:
            self.fail(field, "must be an amount with at most two decimal places")
        return exact

    def count(self, field: str, value: int, low: int, high: int = STOCK_MAX) -> int:
        if not low <= value <= high:
            self.fail(field, f"must be a whole number from {low} to {high}")
        return value

    def order_lines(self, lines: Sequence[RequestedLine]) -> list[tuple[str, int]]:
        """(product id, quantity) per line, in the client's order. Ids are compared in canonical
        form, so one product spelled two ways is still one product."""
        if not 1 <= len(lines) <= ORDER_LINES_MAX:
            self.fail("lines", f"must hold from 1 to {ORDER_LINES_MAX} lines")
        first_line: dict[str, int] = {}
        clean: list[tuple[str, int]] = []
        for n, line in enumerate(lines, 1):
            product_id = aggregate_id(line.product_id) or line.product_id
            if not 1 <= line.quantity <= QUANTITY_MAX:
                self.fail("quantity", f"line {n}: must be a whole number from 1 to {QUANTITY_MAX}")
            if product_id in first_line:
                self.fail("lines", f"line {n}: the product is already on line "
                                   f"{first_line[product_id]}; list each product once")
            first_line.setdefault(product_id, n)
            clean.append((product_id, line.quantity))
        return clean

    def expected_version(self, value: int | None) -> int | None:
        if value is not None and value < 1:
            self.fail("expected_version", "must be 1 or more")
        return value
