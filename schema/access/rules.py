"""Who may do what: the one table of the API's rules.

    anonymous  browse and search products; registerUser
    customer   as anonymous, and: their own user (read, changeUserEmail, renameUser); placing
               orders for themselves, cancelling their own (decided by the write side from the
               write store), reading their own orders
    admin      everything

A customer asking for someone else's user or order gets nothing (null, or no rows), never a
refusal that would reveal that it exists; a list is scoped inside the index query itself (see
schema/order_operations.py). Refusals are typed: `Unauthenticated` when signing in would help,
`Forbidden` when it would not.
"""

from __future__ import annotations

from enum import Enum

from graphql import GraphQLError

from schema.access.authentication import Principal, Role
from write.messages import Command
from write.orders.order_commands import CancelOrder, PlaceOrder, ShipOrder
from write.products.product_commands import (
    AddProduct,
    AssignProductSupplier,
    ChangeProductPrice,
    DescribeProduct,
    DiscontinueProduct,
    RestockProduct,
)
from write.suppliers.supplier_commands import AddSupplier, RenameSupplier
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RegisterUser, RenameUser


class Verdict(Enum):
    ALLOWED = "allowed"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"


ANYONE = frozenset(Role)
SIGNED_IN = frozenset({Role.CUSTOMER, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})

# Query and subscription fields by their GraphQL name (and the operators' mutations, which send
# no command: parked events'): which roles may ask at all. What a customer then sees is their own
# (`may_see`, and the scoped list queries).
FIELDS: dict[str, frozenset[Role]] = {
    "product": ANYONE, "products": ANYONE,
    "user": SIGNED_IN, "users": ADMIN,
    "order": SIGNED_IN, "orders": SIGNED_IN,
    "salesSummary": ADMIN, "projectionStatus": ADMIN,
    "parkedEvents": ADMIN, "retryParkedEvents": ADMIN, "skipParkedEvent": ADMIN,
    "supplier": ADMIN, "suppliers": ADMIN,  # back office; products show their supplier's name
    "readModelCaughtUp": ANYONE,  # then `may_see` on the token's document
    "documentChanged": ANYONE,  # then `may_see` on every document it delivers
}

# Commands by type: who may send them; `OWN` commands a customer may send for themselves only.
COMMANDS: dict[type[Command], frozenset[Role]] = {
    RegisterUser: ANYONE,
    ChangeUserEmail: SIGNED_IN, RenameUser: SIGNED_IN,
    DeactivateUser: ADMIN,
    AddProduct: ADMIN, ChangeProductPrice: ADMIN,
    RestockProduct: ADMIN, DescribeProduct: ADMIN,
    DiscontinueProduct: ADMIN,
    PlaceOrder: SIGNED_IN,
    CancelOrder: SIGNED_IN,  # whose order it is, the write side checks
    ShipOrder: ADMIN,
    AddSupplier: ADMIN, RenameSupplier: ADMIN, AssignProductSupplier: ADMIN,
}


def _denied(principal: Principal) -> Verdict:
    return Verdict.UNAUTHENTICATED if principal.role is Role.ANONYMOUS else Verdict.FORBIDDEN


def may_ask(principal: Principal, field: str) -> Verdict:
    return Verdict.ALLOWED if principal.role in FIELDS[field] else _denied(principal)


def may_run(principal: Principal, command: Command) -> Verdict:
    if principal.role not in COMMANDS[type(command)]:
        return _denied(principal)
    if principal.role is Role.CUSTOMER and _subject(command) not in (None, principal.user_id):
        return Verdict.FORBIDDEN  # a customer acts only on their own user
    return Verdict.ALLOWED


def _subject(command: Command) -> str | None:
    """The user a customer's command acts on, where the command names one."""
    match command:
        case ChangeUserEmail() | RenameUser():
            return command.id
        case PlaceOrder():
            return command.user_id
    return None


def may_see(principal: Principal, kind: str, body: dict[str, object] | None, id: str) -> bool:
    """Whether the caller may see this document (users and orders: admins, and their owner)."""
    if kind == "product" or principal.role is Role.ADMIN:
        return True
    if principal.role is not Role.CUSTOMER:
        return False
    owner = id if kind == "user" else (body or {}).get("user_id")
    return owner == principal.user_id


def refused(verdict: Verdict, what: str) -> GraphQLError:
    """A query field's refusal as an error with `extensions.code`."""
    message = ("Sign in to ask for " if verdict is Verdict.UNAUTHENTICATED
               else "Your role may not ask for ") + what
    return GraphQLError(message, extensions={"code": verdict.value})
