"""orders, their lines, and stock that never goes below zero

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Before any table refers to products: SQLite adds a CHECK by copying the table.
    with op.batch_alter_table("products") as batch:
        batch.create_check_constraint("ck_products_stock_not_negative", "stock >= 0")
    op.create_table(
        "orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_orders_user"),
    )
    op.create_index("ix_orders_user_id_placed_at", "orders", ["user_id", "placed_at"])
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"])
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.String(36), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("product_id", sa.String(36), nullable=False),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_lines_order"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name="fk_order_lines_product"),
    )
    op.create_index("ix_order_lines_product_id", "order_lines", ["product_id"])


def downgrade() -> None:
    op.drop_table("order_lines")
    op.drop_table("orders")
    with op.batch_alter_table("products") as batch:
        batch.drop_constraint("ck_products_stock_not_negative", type_="check")
