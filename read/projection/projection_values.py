"""Small conversions every projection shares: times, money, bucket keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from read.event_envelope import EventMessage


def ms(event: EventMessage) -> int:
    return int(event.occurred_at.timestamp() * 1000)


def cents(amount: Any) -> int:
    return int(Decimal(str(amount)).scaleb(2))


def money(cents_: int) -> str:
    return f"{Decimal(cents_).scaleb(-2):.2f}"


def buckets(moment: datetime) -> dict[str, str]:
    """The UTC day, week (its Monday) and month a moment falls in: the keys sales are summed by."""
    day = moment.astimezone(UTC).date()
    monday = day - timedelta(days=day.weekday())
    return {"day": day.isoformat(), "week": monday.isoformat(), "month": day.isoformat()[:7]}
