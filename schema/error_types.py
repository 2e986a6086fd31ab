"""Expected failures as GraphQL types: members of each mutation's result union."""

from __future__ import annotations

import strawberry
from strawberry.utils.str_converters import to_camel_case

from write import command_errors as errors


@strawberry.interface(description="An expected failure; nothing was changed.")
class Error:
    message: str


@strawberry.type
class FieldError:
    field: str
    message: str


@strawberry.type(description="Some input fields are invalid; `fieldErrors` says which and why.")
class InvalidInput(Error):
    field_errors: list[FieldError]


@strawberry.type(description="Another user already has this email (compared case-insensitively).")
class EmailTaken(Error):
    email: str


@strawberry.type(description="Another product already has this SKU.")
class SkuTaken(Error):
    sku: str


@strawberry.type(description="No aggregate has this id.")
class NotFound(Error):
    id: strawberry.ID


@strawberry.type(description="The aggregate is not at `expectedVersion`: reload it and retry.")
class VersionConflict(Error):
    id: strawberry.ID
    expected_version: int
    actual_version: int | None


@strawberry.type(description="The aggregate's status forbids this command.")
class InvalidTransition(Error):
    id: strawberry.ID


@strawberry.type(description="The user is deactivated and cannot place orders.")
class UserInactive(Error):
    user_id: strawberry.ID


@strawberry.type(description="The product is discontinued and cannot be ordered.")
class ProductUnavailable(Error):
    product_id: strawberry.ID


@strawberry.type(description="Fewer units of the product are in stock than the order asks for.")
class InsufficientStock(Error):
    product_id: strawberry.ID
    requested: int
    available: int


@strawberry.type(description="Sign in (send a token) to do this; nothing was changed.")
class Unauthenticated(Error):
    pass


@strawberry.type(description="Your role may not do this; nothing was changed.")
class Forbidden(Error):
    pass


Refused = Unauthenticated | Forbidden  # in every result union whose command a role may not send


def to_graphql(error: errors.DomainError) -> Error:
    match error:
        case errors.InvalidInput():
            fields = [
                FieldError(field=to_camel_case(name), message=message)
                for name, message in error.errors.items()
            ]
            return InvalidInput(message=error.message, field_errors=fields)
        case errors.EmailTaken():
            return EmailTaken(message=error.message, email=error.email)
        case errors.SkuTaken():
            return SkuTaken(message=error.message, sku=error.sku)
        case errors.Forbidden():
            return Forbidden(message=error.message)
        case errors.NotFound():
            return NotFound(message=error.message, id=strawberry.ID(error.id))
        case errors.VersionConflict():
            return VersionConflict(
                message=error.message,
                id=strawberry.ID(error.id),
                expected_version=error.expected,
                actual_version=error.actual,
            )
        case errors.InvalidTransition():
            return InvalidTransition(message=error.message, id=strawberry.ID(error.id))
        case errors.UserInactive():
            return UserInactive(message=error.message, user_id=strawberry.ID(error.user_id))
        case errors.ProductUnavailable():
            return ProductUnavailable(
                message=error.message, product_id=strawberry.ID(error.product_id)
            )
        case errors.InsufficientStock():
            return InsufficientStock(
                message=error.message,
                product_id=strawberry.ID(error.product_id),
                requested=error.requested,
                available=error.available,
            )
    raise error
