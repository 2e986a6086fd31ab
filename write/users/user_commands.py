"""The User commands: requests to change a user, in the imperative. Handlers validate them."""

from __future__ import annotations

from dataclasses import dataclass

from write.messages import Command


@dataclass(frozen=True)
class RegisterUser(Command):
    name: str
    email: str


@dataclass(frozen=True)
class ChangeUserEmail(Command):
    id: str
    email: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RenameUser(Command):
    id: str
    name: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DeactivateUser(Command):
    id: str
    expected_version: int | None = None

