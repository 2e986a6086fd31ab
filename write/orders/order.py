"""The Order aggregate: a user's products at the prices of the moment, placed, then shipped or
cancelled. Stock is not the order's: handlers reserve and release it on the Product aggregates in
the same unit of work (write/orders/order_handlers.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from write.aggregate import Aggregate
from write.command_errors import InvalidInput, UserInactive
from write.orders.order_events import OrderCancelled, OrderPlaced, OrderShipped, PlacedLine
from write.products.product import Product
from write.users import user as users

PLACED = "placed"
CANCELLED = "cancelled"
SHIPPED = "shipped"
TOTAL_MAX = Decimal("9999999999.99")  # what orders.total (NUMERIC(12, 2)) holds


class OrderLine:
    """One product of an order, described and priced as it was when the order was placed."""

    def __init__(
        self,
        line_no: int,
        product_id: str,
        sku: str,
        name: str,
        category: str,
        unit_price: Decimal,
        quantity: int,
    ) -> None:
        self.line_no = line_no
        self.product_id = product_id
        self.sku = sku
        self.name = name
        self.category = category
        self.unit_price = unit_price
        self.quantity = quantity

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    def placed(self) -> PlacedLine:
        return PlacedLine(
            self.product_id, self.sku, self.name, self.category, self.unit_price, self.quantity,
            self.total,
        )


class Order(Aggregate):
    TYPE = "Order"

    def __init__(
        self,
        id: str,
        user_id: str,
        lines: list[OrderLine],
        placed_at: datetime,
        status: str = PLACED,
        version: int = 0,
    ) -> None:
        super().__init__(id, version)
        self.user_id = user_id
        self.lines = lines
        self.placed_at = placed_at
        self.status = status
        self.total = sum((line.total for line in lines), Decimal("0.00"))
        self.units = sum(line.quantity for line in lines)

    @classmethod
    def place(
        cls,
        id: str,
        customer: users.User,
        items: Sequence[tuple[Product, int]],
        placed_at: datetime,
    ) -> Order:
        """An order of `items` (product, quantity), in the client's order, for `customer`."""
        if customer.status != users.ACTIVE:
            raise UserInactive(customer.id)
        lines = [
            OrderLine(n, p.id, p.sku, p.name, p.category, p.price, quantity)
            for n, (p, quantity) in enumerate(items, 1)
        ]
        order = cls(id, customer.id, lines, placed_at)
        if order.total > TOTAL_MAX:
            raise InvalidInput({"lines": f"the order's total must be at most {TOTAL_MAX}"})
        order.record(
            OrderPlaced(
                user_id=customer.id,
                customer_version=customer.version,
                customer_name=customer.name,
                customer_email=customer.email,
                lines=tuple(line.placed() for line in lines),
                total=order.total,
                units=order.units,
            )
        )
        return order

    def quantities(self) -> dict[str, int]:
        """Units per product; each product is on one line at most."""
        return {line.product_id: line.quantity for line in self.lines}

    def cancel(self) -> None:
        self._require_placed("cancel")
        self.status = CANCELLED
        self.record(OrderCancelled())

    def ship(self) -> None:
        self._require_placed("ship")
        self.status = SHIPPED
        self.record(OrderShipped())

    def _require_placed(self, action: str) -> None:
        if self.status != PLACED:
            raise self.refuse(f"Cannot {action} an order that is {self.status}.")
