"""What a PostGraphile user adds to the database for the peers scenario's questions, before
PostGraphile starts (it introspects once): the indexes a DBA would add (bench/dba_indexes.py;
connection-filter offers filters and orders only on indexed columns, so they also make the
generated API able to ask), and a PostgreSQL function for the question its generated API cannot
express, sales by day: a STABLE set-returning function becomes the query field
`salesByDay(firstDay, lastDay)`, a connection of `SalesByDayRecord`s.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.dba_indexes import add_indexes

# Cancelled orders are no sales, as on Diptych's read side (salesSummary's includeCancelled false).
SALES_BY_DAY = """
CREATE FUNCTION sales_by_day(first_day date, last_day date)
RETURNS TABLE (day date, status text, revenue numeric, orders bigint, units bigint)
LANGUAGE sql STABLE AS $$
  SELECT (o.placed_at AT TIME ZONE 'UTC')::date, o.status::text, sum(o.total), count(*),
         sum(o.units)
  FROM orders o
  WHERE o.placed_at >= (first_day::timestamp AT TIME ZONE 'UTC')
    AND o.placed_at < ((last_day + 1)::timestamp AT TIME ZONE 'UTC')
    AND o.status IN ('placed', 'shipped')
  GROUP BY 1, 2
  ORDER BY 1, 2
$$"""


async def prepare(engine: AsyncEngine) -> None:
    """The indexes, then the function, on the engine's (PostgreSQL) database."""
    await add_indexes(engine)
    async with engine.begin() as connection:
        await connection.execute(text(SALES_BY_DAY))
