"""The User events: facts, named in the past tense. Their wire format is in docs/events.md."""

from __future__ import annotations

from dataclasses import dataclass

from write.messages import DomainEvent


@dataclass(frozen=True)
class UserRegistered(DomainEvent):
    name: str
    email: str


@dataclass(frozen=True)
class UserEmailChanged(DomainEvent):
    email: str


@dataclass(frozen=True)
class UserRenamed(DomainEvent):
    name: str


@dataclass(frozen=True)
class UserDeactivated(DomainEvent):
    pass

