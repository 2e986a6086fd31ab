"""The Order commands: requests to change an order, in the imperative. Handlers validate them."""

from __future__ import annotations

from dataclasses import dataclass

from write.messages import Command


@dataclass(frozen=True)
class RequestedLine:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class PlaceOrder(Command):
    user_id: str
    lines: tuple[RequestedLine, ...]


@dataclass(frozen=True)
class CancelOrder(Command):
    id: str
    expected_version: int | None = None
    by_user: str | None = None  # a customer cancelling: only their own order; None: an operator


@dataclass(frozen=True)
class ShipOrder(Command):
    id: str
    expected_version: int | None = None

