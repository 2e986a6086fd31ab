"""The sizes and amounts the domain accepts: checked on input (input_checks.py), relied on by the
tables' column sizes (write/sqlalchemy/tables.py) and published to the edge (schema/edge)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

NAME_MAX = 100
EMAIL_MAX = 254
SKU_MAX = 32
PRODUCT_NAME_MAX = 200
DESCRIPTION_MAX = 2000
CATEGORY_MAX = 50
PRICE_MAX = Decimal("1000000.00")
STOCK_MAX = 1_000_000
CENT = Decimal("0.01")
MONEY = Context(prec=28, rounding=ROUND_HALF_EVEN)  # decimal's defaults, whatever the thread's
ORDER_LINES_MAX = 50
QUANTITY_MAX = 1000
