"""The expected failures of a command. Each maps to a typed GraphQL error; none writes anything."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every expected command failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("Invalid input: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class EmailTaken(DomainError):
    def __init__(self, email: str) -> None:
        super().__init__(f"The email {email!r} is already registered.")
        self.email = email


class SkuTaken(DomainError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"The SKU {sku!r} is already in use.")
        self.sku = sku


class NotFound(DomainError):
    def __init__(self, aggregate_type: str, id: str) -> None:
        super().__init__(f"No {aggregate_type} with id {id!r}.")
        self.aggregate_type = aggregate_type
        self.id = id


class Forbidden(DomainError):
    """The caller may not act on this aggregate (a customer cancelling another's order)."""

    def __init__(self, aggregate_type: str, id: str) -> None:
        super().__init__(f"You may not change this {aggregate_type}.")
        self.aggregate_type = aggregate_type
        self.id = id


class VersionConflict(DomainError):
    def __init__(self, id: str, expected: int, actual: int | None) -> None:
        super().__init__(
            f"Expected version {expected} of {id!r}, but it is at version {actual}."
            if actual is not None
            else f"{id!r} was changed concurrently; reload it and try again."
        )
        self.id = id
        self.expected = expected
        self.actual = actual


class InvalidTransition(DomainError):
    """The aggregate's status forbids the command (e.g. restocking a discontinued product)."""

    def __init__(self, id: str, message: str) -> None:
        super().__init__(message)
        self.id = id


class UserInactive(DomainError):
    """A deactivated user cannot place orders."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"The user {user_id!r} is deactivated and cannot place orders.")
        self.user_id = user_id


class ProductUnavailable(DomainError):
    """The product was discontinued: it can no longer be ordered."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"The product {product_id!r} is discontinued and cannot be ordered.")
        self.product_id = product_id


class InsufficientStock(DomainError):
    def __init__(self, product_id: str, requested: int, available: int) -> None:
        super().__init__(
            f"Only {available} of the product {product_id!r} in stock; {requested} requested."
        )
        self.product_id = product_id
        self.requested = requested
        self.available = available


class ConcurrentUpdate(VersionConflict):
    """Another command changed the aggregate between our read and our write; retrying is safe."""

    def __init__(self, id: str, expected: int) -> None:
        super().__init__(id, expected, None)


class StoreUnavailable(Exception):
    """The write store could not be reached. The command was rolled back, unless the connection
    broke during COMMIT itself, when the outcome is unknown."""
