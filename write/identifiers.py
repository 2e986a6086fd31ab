"""Aggregate ids: UUIDs in their canonical text form."""

from __future__ import annotations

import uuid


def aggregate_id(value: str) -> str | None:
    """The canonical form of an aggregate id, or None when it cannot name any aggregate."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
