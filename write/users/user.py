"""The User aggregate: a name, a unique email, and whether the account is still active."""

from __future__ import annotations

from write.aggregate import Aggregate
from write.command_errors import DomainError, EmailTaken
from write.users.user_events import (
    UserDeactivated,
    UserEmailChanged,
    UserRegistered,
    UserRenamed,
)

ACTIVE = "active"
DEACTIVATED = "deactivated"


def email_key(email: str) -> str:
    """Emails are unique regardless of case: this is the form the uniqueness rule compares."""
    return email.casefold()


class User(Aggregate):
    TYPE = "User"

    def __init__(self, id: str, name: str, email: str, status: str = ACTIVE, version: int = 0):
        super().__init__(id, version)
        self.name = name
        self.email = email
        self.email_key = email_key(email)
        self.status = status

    def unique_values(self) -> dict[str, DomainError]:
        return {"email_key": EmailTaken(self.email)}

    @classmethod
    def register(cls, id: str, name: str, email: str) -> User:
        user = cls(id, name, email)
        user.record(UserRegistered(name=name, email=email))
        return user

    def change_email(self, email: str) -> None:
        self._require_active("change the email of")
        if email != self.email:
            self.email, self.email_key = email, email_key(email)
            self.record(UserEmailChanged(email=email))

    def rename(self, name: str) -> None:
        self._require_active("rename")
        if name != self.name:
            self.name = name
            self.record(UserRenamed(name=name))

    def deactivate(self) -> None:
        self._require_active("deactivate")
        self.status = DEACTIVATED
        self.record(UserDeactivated())

    def _require_active(self, action: str) -> None:
        if self.status != ACTIVE:
            raise self.refuse(f"Cannot {action} a deactivated user.")
