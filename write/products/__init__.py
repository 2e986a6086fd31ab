"""The Product aggregate: its state and rules (product.py), commands, events, handlers and
declaration (product_kind.py)."""
