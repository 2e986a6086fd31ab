"""What every command and every event is: the base classes each aggregate's messages extend.

An event's wire format is in docs/events.md. Changing an event's shape means raising that
event's `SCHEMA_VERSION` and teaching the read side an upcaster; never a silent change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar


@dataclass(frozen=True)
class Command:
    """A request to change state, named in the imperative. Raw input: handlers validate it."""


@dataclass(frozen=True)
class DomainEvent:
    """A fact, named in the past tense."""

    SCHEMA_VERSION: ClassVar[int] = 1

    def type_name(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        """The event's fields as JSON values; decimals travel as strings ("12.50"), never
        floats."""
        fields: dict[str, Any] = _json(dataclasses.asdict(self))
        return fields


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {name: _json(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value
