"""Upcasters: bring an older event payload to the newest schema_version before projecting.

Register one function per (type, from_version); `upcast` applies them in sequence, so an event
written years ago projects exactly like one written today. Every type is at version 1 so far.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from read.event_envelope import EventMessage

Payload = Mapping[str, Any]
UPCASTERS: dict[tuple[str, int], Callable[[Payload], Payload]] = {}


def upcast(event: EventMessage) -> EventMessage:
    version, payload = event.schema_version, event.payload
    while (step := UPCASTERS.get((event.type, version))) is not None:
        payload, version = step(payload), version + 1
    if version == event.schema_version:
        return event
    return dataclasses.replace(event, schema_version=version, payload=payload)
