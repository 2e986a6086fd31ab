"""What a handled command reports: which aggregate, its version, where its events landed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandResult:
    aggregate_type: str
    aggregate_id: str
    version: int
    position: int | None
    """Log position of the command's last event; None when the command changed nothing."""
