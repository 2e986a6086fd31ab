"""The User's operations: its query fields, answered from the search index through read/
functions, and its mutations, each building a command for the write side."""

from __future__ import annotations

import strawberry

from read.projection.user_documents import USER
from read.query import user_queries
from schema.access.permissions import read_model
from schema.access.rules import may_see
from schema.connection_types import After, First
from schema.context import Info
from schema.graph_kinds import GraphKind
from schema.outcomes import execute
from schema.user_types import (
    ChangeUserEmailInput,
    ChangeUserEmailResult,
    DeactivateUserInput,
    DeactivateUserResult,
    RegisterUserInput,
    RegisterUserResult,
    RenameUserInput,
    RenameUserResult,
    User,
    UserConnection,
    UserDeactivated,
    UserEmailChanged,
    UserRegistered,
    UserRenamed,
    UserSort,
)
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RegisterUser, RenameUser


async def user(info: Info, id: strawberry.ID) -> User | None:
    if not may_see(info.context.principal, USER, None, id):
        return None  # someone else's user: as if there were none
    view = await user_queries.user(info.context.index, id)
    return User.from_view(view) if view else None


async def users(
    info: Info,
    search: str | None = None,
    sort: UserSort | None = None,  # type: ignore[valid-type]
    first: First = 20,
    after: After = None,
) -> UserConnection:
    page = await user_queries.users(info.context.index, search, sort, first, after)
    return UserConnection.of(page, User.from_view)


@strawberry.type
class UserQueries:
    """Every field takes `consistency` (see schema/read_model.py) to read a write back."""

    user: User | None = strawberry.field(
        resolver=user, description="One user by id, or null.", extensions=read_model()
    )
    users: UserConnection = strawberry.field(
        resolver=users,
        description="Users, full-text searched over name and email.",
        extensions=read_model(),
    )


@strawberry.type
class UserMutations:
    @strawberry.mutation
    async def register_user(self, info: Info, input: RegisterUserInput) -> RegisterUserResult:
        command = RegisterUser(name=input.name, email=input.email)
        return await execute(info, command, UserRegistered)

    @strawberry.mutation
    async def change_user_email(
        self, info: Info, input: ChangeUserEmailInput
    ) -> ChangeUserEmailResult:
        command = ChangeUserEmail(input.id, input.email, input.expected_version)
        return await execute(info, command, UserEmailChanged)

    @strawberry.mutation
    async def rename_user(self, info: Info, input: RenameUserInput) -> RenameUserResult:
        command = RenameUser(input.id, input.name, input.expected_version)
        return await execute(info, command, UserRenamed)

    @strawberry.mutation
    async def deactivate_user(
        self, info: Info, input: DeactivateUserInput
    ) -> DeactivateUserResult:
        command = DeactivateUser(input.id, input.expected_version)
        return await execute(info, command, UserDeactivated)


OPERATIONS = GraphKind(queries=UserQueries, mutations=UserMutations, documents={USER: User})
