"""The User's GraphQL types: the user as the read side shows it, its connection, and its
mutations' inputs, payloads and result unions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from read.index import Document
from read.query import user_queries
from read.query.user_queries import UserView
from schema.connection_types import Connection
from schema.error_types import (
    EmailTaken,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Refused,
    VersionConflict,
)
from schema.mutation_types import EXPECTED_VERSION, Accepted


@strawberry.enum
class UserStatus(Enum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


UserSort = strawberry.enum(user_queries.UserSort, name="UserSort")


@strawberry.type
class User:
    id: strawberry.ID
    version: int
    name: str
    email: str
    status: UserStatus
    registered_at: datetime
    order_count: int = strawberry.field(description="Orders placed and not cancelled.")
    total_spent: Decimal = strawberry.field(description="What those orders cost.")

    @classmethod
    def from_view(cls, v: UserView) -> User:
        return cls(
            id=strawberry.ID(v.id),
            version=v.version,
            name=v.name,
            email=v.email,
            status=UserStatus(v.status),
            registered_at=v.registered_at,
            order_count=v.order_count,
            total_spent=v.total_spent,
        )

    @classmethod
    def from_document(cls, document: Document) -> User:
        return cls.from_view(UserView.from_document(document))


UserConnection = Connection[User]


@strawberry.input
class RegisterUserInput:
    name: str
    email: str


@strawberry.input
class ChangeUserEmailInput:
    id: strawberry.ID
    email: str
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class RenameUserInput:
    id: strawberry.ID
    name: str
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input
class DeactivateUserInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.type
class UserRegistered(Accepted):
    pass


@strawberry.type
class UserEmailChanged(Accepted):
    pass


@strawberry.type
class UserRenamed(Accepted):
    pass


@strawberry.type
class UserDeactivated(Accepted):
    pass


RegisterUserResult = Annotated[
    UserRegistered | InvalidInput | EmailTaken, strawberry.union("RegisterUserResult")
]
ChangeUserEmailResult = Annotated[
    UserEmailChanged | InvalidInput | EmailTaken | NotFound | VersionConflict | InvalidTransition
    | Refused,
    strawberry.union("ChangeUserEmailResult"),
]
RenameUserResult = Annotated[
    UserRenamed | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("RenameUserResult"),
]
DeactivateUserResult = Annotated[
    UserDeactivated | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("DeactivateUserResult"),
]
