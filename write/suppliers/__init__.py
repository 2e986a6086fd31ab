"""The Supplier aggregate: its state and rules (supplier.py), commands, events, handlers and
declaration (supplier_kind.py). Products name their supplier (write/products)."""
