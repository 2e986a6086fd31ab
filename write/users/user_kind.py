"""The User aggregate as the write side's registry knows it (write/aggregate_kinds.py)."""

from write.aggregate_kinds import AggregateKind
from write.users.user import User
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RegisterUser, RenameUser
from write.users.user_handlers import (
    change_user_email,
    deactivate_user,
    register_user,
    rename_user,
)

KIND = AggregateKind(
    User,
    handlers={
        RegisterUser: register_user,
        ChangeUserEmail: change_user_email,
        RenameUser: rename_user,
        DeactivateUser: deactivate_user,
    },
    commit_rank=1,
)
