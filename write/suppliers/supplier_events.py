"""The Supplier events: facts, named in the past tense. Their wire format is in docs/events.md."""

from __future__ import annotations

from dataclasses import dataclass

from write.messages import DomainEvent


@dataclass(frozen=True)
class SupplierAdded(DomainEvent):
    name: str
    email: str


@dataclass(frozen=True)
class SupplierRenamed(DomainEvent):
    name: str
