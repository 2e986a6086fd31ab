"""The Order aggregate as the write side's registry knows it (write/aggregate_kinds.py)."""

from write.aggregate_kinds import AggregateKind
from write.orders.order import Order, OrderLine
from write.orders.order_commands import CancelOrder, PlaceOrder, ShipOrder
from write.orders.order_handlers import cancel_order, place_order, ship_order

KIND = AggregateKind(
    Order,
    handlers={PlaceOrder: place_order, CancelOrder: cancel_order, ShipOrder: ship_order},
    commit_rank=0,  # an order's event comes before the stock moves it causes
    parts={"lines": OrderLine},
)
