"""parked events and projection sources: the read side's operations records

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "parked_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("position", Position, nullable=True),
        sa.Column("aggregate_type", sa.String(50), nullable=True),
        sa.Column("aggregate_id", sa.String(64), nullable=True),
        sa.Column("aggregate_version", sa.Integer, nullable=True),
        sa.Column("type", sa.String(100), nullable=True),
        sa.Column("envelope", sa.JSON, nullable=False),
        sa.Column("error", sa.String(1000), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retry_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skipped_by", sa.String(100), nullable=True),
        sa.Column("skip_reason", sa.String(500), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_parked_events_aggregate", "parked_events",
                    ["aggregate_type", "aggregate_id"])
    op.create_table(
        "projection_sources",
        sa.Column("source", sa.String(50), primary_key=True),
        sa.Column("position", Position, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("in_hand", sa.Integer, nullable=False),
        sa.Column("oldest_in_hand_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("progressed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heard_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("projection_sources")
    op.drop_index("ix_parked_events_aggregate", table_name="parked_events")
    op.drop_table("parked_events")
