"""Mutations: each builds a command, dispatches it to the write side and reports the outcome.
The Order mutations are in schema/order_mutations.py; `Mutation` inherits them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.error_types import (
    EmailTaken,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Refused,
    SkuTaken,
    VersionConflict,
)
from schema.inputs import (
    AddProductInput,
    ChangeProductPriceInput,
    ChangeUserEmailInput,
    DeactivateUserInput,
    DescribeProductInput,
    DiscontinueProductInput,
    RegisterUserInput,
    RenameUserInput,
    RestockProductInput,
)
from schema.order_mutations import OrderMutation
from schema.outcomes import execute
from schema.payloads import (
    ProductAdded,
    ProductDescribed,
    ProductDiscontinued,
    ProductPriceChanged,
    ProductRestocked,
    UserDeactivated,
    UserEmailChanged,
    UserRegistered,
    UserRenamed,
)
from write import commands

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
AddProductResult = Annotated[
    ProductAdded | InvalidInput | SkuTaken | Refused, strawberry.union("AddProductResult")
]
ChangeProductPriceResult = Annotated[
    ProductPriceChanged | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("ChangeProductPriceResult"),
]
RestockProductResult = Annotated[
    ProductRestocked | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("RestockProductResult"),
]
DescribeProductResult = Annotated[
    ProductDescribed | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("DescribeProductResult"),
]
DiscontinueProductResult = Annotated[
    ProductDiscontinued | InvalidInput | NotFound | VersionConflict | InvalidTransition | Refused,
    strawberry.union("DiscontinueProductResult"),
]


@strawberry.type
class Mutation(OrderMutation):
    @strawberry.mutation
    async def register_user(self, info: Info, input: RegisterUserInput) -> RegisterUserResult:
        command = commands.RegisterUser(name=input.name, email=input.email)
        return await execute(info, command, UserRegistered)

    @strawberry.mutation
    async def change_user_email(
        self, info: Info, input: ChangeUserEmailInput
    ) -> ChangeUserEmailResult:
        command = commands.ChangeUserEmail(input.id, input.email, input.expected_version)
        return await execute(info, command, UserEmailChanged)

    @strawberry.mutation
    async def rename_user(self, info: Info, input: RenameUserInput) -> RenameUserResult:
        command = commands.RenameUser(input.id, input.name, input.expected_version)
        return await execute(info, command, UserRenamed)

    @strawberry.mutation
    async def deactivate_user(
        self, info: Info, input: DeactivateUserInput
    ) -> DeactivateUserResult:
        command = commands.DeactivateUser(input.id, input.expected_version)
        return await execute(info, command, UserDeactivated)

    @strawberry.mutation
    async def add_product(self, info: Info, input: AddProductInput) -> AddProductResult:
        command = commands.AddProduct(
            input.sku, input.name, input.description, input.category, input.price, input.stock
        )
        return await execute(info, command, ProductAdded)

    @strawberry.mutation
    async def change_product_price(
        self, info: Info, input: ChangeProductPriceInput
    ) -> ChangeProductPriceResult:
        command = commands.ChangeProductPrice(input.id, input.price, input.expected_version)
        return await execute(info, command, ProductPriceChanged)

    @strawberry.mutation
    async def restock_product(
        self, info: Info, input: RestockProductInput
    ) -> RestockProductResult:
        command = commands.RestockProduct(input.id, input.quantity, input.expected_version)
        return await execute(info, command, ProductRestocked)

    @strawberry.mutation
    async def describe_product(
        self, info: Info, input: DescribeProductInput
    ) -> DescribeProductResult:
        command = commands.DescribeProduct(
            input.id, input.name, input.description, input.category, input.expected_version
        )
        return await execute(info, command, ProductDescribed)

    @strawberry.mutation
    async def discontinue_product(
        self, info: Info, input: DiscontinueProductInput
    ) -> DiscontinueProductResult:
        command = commands.DiscontinueProduct(input.id, input.expected_version)
        return await execute(info, command, ProductDiscontinued)
