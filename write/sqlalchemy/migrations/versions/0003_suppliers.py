"""suppliers, and the supplier a product names

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a foreign key with ADD COLUMN (of a column that starts NULL). A batch
        # operation would copy the table and drop the old one, which the order lines' foreign
        # keys refuse once a store holds orders.
        op.execute(
            "ALTER TABLE products ADD COLUMN supplier_id VARCHAR(36) "
            "CONSTRAINT fk_products_supplier REFERENCES suppliers (id)"
        )
        return
    op.add_column("products", sa.Column("supplier_id", sa.String(36), nullable=True))
    op.create_foreign_key("fk_products_supplier", "products", "suppliers", ["supplier_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_constraint("fk_products_supplier", type_="foreignkey")
        batch.drop_column("supplier_id")
    op.drop_table("suppliers")
