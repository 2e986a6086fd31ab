"""The Order aggregate: its state and rules (order.py), commands, events, handlers and declaration
(order_kind.py)."""
