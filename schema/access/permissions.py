"""The rules of schema/access/rules.py as strawberry permissions on the query fields."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from schema.access.rules import Verdict, may_ask, refused
from schema.context import Info
from schema.read_model import ReadModelField


class RoleMayAsk(BasePermission):
    """The caller's role may ask for this field at all (schema/access/rules.py FIELDS)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        verdict = may_ask(info.context.principal, info.field_name)
        if verdict is not Verdict.ALLOWED:
            raise refused(verdict, info.field_name)  # its code says which refusal
        return True


def read_model(guarded: bool = True) -> list[FieldExtension]:
    """A query field's extensions: the role check first, then consistency and limits."""
    checks: list[FieldExtension] = [
        PermissionExtension(permissions=[RoleMayAsk()], use_directives=False)
    ] if guarded else []
    return [*checks, ReadModelField()]
