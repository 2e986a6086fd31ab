"""The indexes a DBA would add to the write store's tables for the bench's SQL-side questions
(crud-vs-cqrs' bench/sql_side.py, and PostGraphile in the peers scenario): the write store itself
has only what its commands need (primary keys, unique SKUs and emails, orders by placement).

- pg_trgm GIN indexes on every text an order search matches with ILIKE '%word%': the lines'
  product names and SKUs, the customers' names and emails;
- orders by (status, placed_at), for a status filter with newest-first order, and by total, for
  a minimum total;
- orders by placed_at carrying status, total and units, so sales by day read the index only;
- products by (category, price), for a category's page by price and its counts, and by price.

Created after seeding (as a DBA would on a loaded table, and so seeding pays for none of them),
then the caller runs VACUUM ANALYZE.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

STATEMENTS = (
    # A trusted extension since PostgreSQL 13: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_dba_order_lines_name_trgm ON order_lines USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_dba_order_lines_sku_trgm ON order_lines USING gin (sku gin_trgm_ops)",
    "CREATE INDEX ix_dba_users_name_trgm ON users USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_dba_users_email_trgm ON users USING gin (email gin_trgm_ops)",
    "CREATE INDEX ix_dba_orders_status_placed_at ON orders (status, placed_at)",
    "CREATE INDEX ix_dba_orders_total ON orders (total)",
    "CREATE INDEX ix_dba_orders_placed_at_sales ON orders (placed_at) "
    "INCLUDE (status, total, units)",
    "CREATE INDEX ix_dba_products_category_price ON products (category, price)",
    "CREATE INDEX ix_dba_products_price ON products (price)",
)

SUMMARY = ("pg_trgm GIN on order_lines.name, order_lines.sku, users.name, users.email; "
           "orders (status, placed_at), (total), (placed_at) INCLUDE (status, total, units); "
           "products (category, price), (price)")


async def add_indexes(engine: AsyncEngine) -> None:
    """Create every index of STATEMENTS on the engine's (PostgreSQL) database, in one
    transaction."""
    async with engine.begin() as connection:
        for statement in STATEMENTS:
            await connection.execute(text(statement))
