"""Handlers of the User commands: validate, load, decide, commit."""

from __future__ import annotations

import uuid

from write import input_checks as v
from write.command_results import CommandResult
from write.domain_limits import NAME_MAX
from write.unit_of_work import UnitOfWork
from write.users.user import User
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RegisterUser, RenameUser


async def register_user(cmd: RegisterUser, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, NAME_MAX)
        email = check.email("email", cmd.email)
    async with uow:
        user = User.register(str(uuid.uuid4()), name, email)
        uow.repository(User).add(user)
        return CommandResult.of(user, await uow.commit())


async def change_user_email(cmd: ChangeUserEmail, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        email = check.email("email", cmd.email)
        check.expected_version(cmd.expected_version)
    async with uow:
        user = await uow.repository(User).load(cmd.id, cmd.expected_version)
        user.change_email(email)
        return CommandResult.of(user, await uow.commit())


async def rename_user(cmd: RenameUser, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        name = check.text("name", cmd.name, NAME_MAX)
        check.expected_version(cmd.expected_version)
    async with uow:
        user = await uow.repository(User).load(cmd.id, cmd.expected_version)
        user.rename(name)
        return CommandResult.of(user, await uow.commit())


async def deactivate_user(cmd: DeactivateUser, uow: UnitOfWork) -> CommandResult:
    with v.Checks() as check:
        check.expected_version(cmd.expected_version)
    async with uow:
        user = await uow.repository(User).load(cmd.id, cmd.expected_version)
        user.deactivate()
        return CommandResult.of(user, await uow.commit())

