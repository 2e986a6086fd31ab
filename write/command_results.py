"""What a handled command reports: which aggregate, its version, where its events landed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from write.aggregate import Aggregate


@dataclass(frozen=True)
class CommandResult:
    aggregate_type: str
    aggregate_id: str
    version: int
    position: int | None
    """Log position of the command's last event; None when the command changed nothing."""

    @classmethod
    def of(cls, aggregate: Aggregate, position: int | None) -> CommandResult:
        return cls(aggregate.TYPE, aggregate.id, aggregate.version, position)


@dataclass(frozen=True)
class OrderPlacedResult(CommandResult):
    total: Decimal
    """What the order costs, computed from the prices of the moment."""
