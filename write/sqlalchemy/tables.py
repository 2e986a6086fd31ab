"""The write store's tables. Alembic migrations (write/sqlalchemy/migrations) create them; this is
their map.

`events` is both the event log and the outbox: rows are appended in the command's transaction and
`published_at` is set once the broker has accepted them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Position = BigInteger().with_variant(Integer(), "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(254), nullable=False),
    Column("email_key", String(254), nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("email_key", name="uq_users_email_key"),
    info={"aggregate": "User"},  # mapping.py maps the User aggregate onto this table
)

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sku", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", String(2000), nullable=False),
    Column("category", String(50), nullable=False),
    Column("price", Numeric(12, 2, asdecimal=True), nullable=False),
    Column("stock", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column(
        "supplier_id",
        String(36),
        ForeignKey("suppliers.id", name="fk_products_supplier"),
        nullable=True,
    ),
    UniqueConstraint("sku", name="uq_products_sku"),
    # A backstop: the version counter already makes a stale reservation fail (mapping.py).
    CheckConstraint("stock >= 0", name="ck_products_stock_not_negative"),
    info={"aggregate": "Product"},
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("version", Integer, nullable=False),
    info={"aggregate": "Supplier"},
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", name="fk_orders_user"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("total", Numeric(12, 2, asdecimal=True), nullable=False),
    Column("units", Integer, nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    # A user's orders, newest first; and the newest orders of all.
    Index("ix_orders_user_id_placed_at", "user_id", "placed_at"),
    Index("ix_orders_placed_at", "placed_at"),
    info={"aggregate": "Order"},
)

order_lines = Table(
    "order_lines",
    metadata,
    Column(
        "order_id",
        String(36),
        ForeignKey("orders.id", name="fk_order_lines_order"),
        primary_key=True,
    ),
    Column("line_no", Integer, primary_key=True),
    Column(
        "product_id",
        String(36),
        ForeignKey("products.id", name="fk_order_lines_product"),
        nullable=False,
    ),
    Column("sku", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("unit_price", Numeric(12, 2, asdecimal=True), nullable=False),
    Column("quantity", Integer, nullable=False),
    Index("ix_order_lines_product_id", "product_id"),  # the orders of a product
    # Saved with its order, as the Order's `lines` (its kind's `parts`), in line_no order.
    info={"part_of": "Order", "attribute": "lines", "order_by": "line_no"},
)

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("aggregate_type", String(50), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("event_id", name="uq_events_event_id"),
    UniqueConstraint(
        "aggregate_type", "aggregate_id", "aggregate_version", name="uq_events_aggregate_version"
    ),
)

# The relay's question is "what is not published yet, in order": a partial index answers it
# without scanning the whole log.
Index(
    "ix_events_unpublished",
    events.c.position,
    postgresql_where=events.c.published_at.is_(None),
    sqlite_where=events.c.published_at.is_(None),
)

# The read side's operations records, kept here because they must outlive the index and every
# projector process (workers/parking.py, workers/source_reports.py explain them).

# Events the projector could not apply, and every later event of the same aggregate, in order.
# A row whose `skipped_at` is set was dropped by an operator: it is kept as the record of that,
# and projectors step over that event (and only it) from then on.
parked_events = Table(
    "parked_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("position", Position, nullable=True),  # None: a message that was no event at all
    Column("aggregate_type", String(50), nullable=True),
    Column("aggregate_id", String(64), nullable=True),
    Column("aggregate_version", Integer, nullable=True),
    Column("type", String(100), nullable=True),
    Column("envelope", JSON, nullable=False),
    Column("error", String(1000), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("source", String(50), nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False),
    Column("retry_requested_at", DateTime(timezone=True), nullable=True),
    Column("skipped_at", DateTime(timezone=True), nullable=True),
    Column("skipped_by", String(100), nullable=True),
    Column("skip_reason", String(500), nullable=True),
    Column("released_at", DateTime(timezone=True), nullable=True),
)
Index("ix_parked_events_aggregate", parked_events.c.aggregate_type, parked_events.c.aggregate_id)

# What each source of events (a shard queue, direct sync, the log in order) last reported:
# where it is, whether it moves, and when its process was last heard from.
projection_sources = Table(
    "projection_sources",
    metadata,
    Column("source", String(50), primary_key=True),
    Column("position", Position, nullable=False),
    Column("state", String(20), nullable=False),
    Column("in_hand", Integer, nullable=False),
    Column("oldest_in_hand_at", DateTime(timezone=True), nullable=True),
    Column("waiting_since", DateTime(timezone=True), nullable=True),
    Column("error", String(1000), nullable=True),
    Column("progressed_at", DateTime(timezone=True), nullable=True),
    Column("heard_at", DateTime(timezone=True), nullable=False),
)
