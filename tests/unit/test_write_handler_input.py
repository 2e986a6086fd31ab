"""Bad input is refused field by field, all bad fields at once, before anything is loaded."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from typing import Any

import pytest

from tests.unit.fakes import FakeUnitOfWork
from write.command_errors import InvalidInput
from write.domain_limits import QUANTITY_MAX, STOCK_MAX
from write.handling import handle
from write.products.product import Product
from write.products.product_commands import (
    AddProduct,
    ChangeProductPrice,
    DescribeProduct,
    DiscontinueProduct,
    RestockProduct,
)
from write.sqlalchemy.tables import products
from write.users.user import User
from write.users.user_commands import ChangeUserEmail, DeactivateUser, RegisterUser, RenameUser

ID = "00000000-0000-4000-8000-000000000001"  # never loaded: validation comes first
EMPTY = "must not be empty"
CONTROL = "must not contain control characters"
NOT_EMAIL = "must be an email address"
SKU_CHARS = "may hold only letters, digits"
PLACES = "at most two decimal places"
PRICE_RANGE = "must be greater than 0 and at most 1000000.00"


def user(name: str = "Ada", email: str = "ada@example.com") -> RegisterUser:
    return RegisterUser(name=name, email=email)


def product(
    sku: str = "KB-1",
    name: str = "Keyboard",
    description: str = "",
    category: str = "input",
    price: str = "12.50",
    stock: int = 3,
) -> AddProduct:
    return AddProduct(sku, name, description, category, Decimal(price), stock)


BAD = [
    (user(name="   "), "name", EMPTY),
    (user(name="x" * 101), "name", "must be at most 100 characters"),
    (user(name="Ada\x00Lovelace"), "name", CONTROL),
    (user(name="Ada\x1b[31m"), "name", CONTROL),
    (user(email=""), "email", EMPTY),
    (user(email="a" * 64 + "@" + "b" * 186 + ".com"), "email", "must be at most 254 characters"),
    (user(email="ada"), "email", NOT_EMAIL),
    (user(email="ada@example"), "email", NOT_EMAIL),
    (user(email="ada@@example.com"), "email", NOT_EMAIL),
    (user(email="ada lovelace@example.com"), "email", NOT_EMAIL),
    (user(email="ada@.example.com"), "email", NOT_EMAIL),
    (user(email="a" * 65 + "@example.com"), "email", NOT_EMAIL),
    (user(email="ada@exa\x00mple.com"), "email", CONTROL),
    (ChangeUserEmail(ID, "nobody"), "email", NOT_EMAIL),
    (RenameUser(ID, ""), "name", EMPTY),
    (product(sku=""), "sku", EMPTY),
    (product(sku="K" * 33), "sku", "must be at most 32 characters"),
    (product(sku="kb 1"), "sku", SKU_CHARS),
    (product(sku="kb/1"), "sku", SKU_CHARS),
    (product(sku="-kb1"), "sku", SKU_CHARS),
    (product(sku="clé-1"), "sku", SKU_CHARS),
    (product(name=""), "name", EMPTY),
    (product(name="x" * 201), "name", "must be at most 200 characters"),
    (product(description="x" * 2001), "description", "must be at most 2000 characters"),
    (product(description="bell\x07"), "description", CONTROL),
    (product(category=" "), "category", EMPTY),
    (product(category="x" * 51), "category", "must be at most 50 characters"),
    (product(price="0"), "price", PRICE_RANGE),
    (product(price="-1.00"), "price", PRICE_RANGE),
    (product(price="1000000.01"), "price", PRICE_RANGE),
    (product(price="0.001"), "price", PLACES),
    (product(price="12.505"), "price", PLACES),
    (product(price="NaN"), "price", PRICE_RANGE),
    (product(price="Infinity"), "price", PRICE_RANGE),
    (product(price="sNaN"), "price", PRICE_RANGE),
    (product(price="1e999999999"), "price", PRICE_RANGE),
    (product(price="-1e999999999"), "price", PRICE_RANGE),
    (product(price="1." + "1" * 60), "price", PLACES),
    (product(price="1e-999999999"), "price", PLACES),
    (ChangeProductPrice(ID, Decimal("1e999999999")), "price", PRICE_RANGE),
    (ChangeProductPrice(ID, Decimal("9" * 40)), "price", PRICE_RANGE),
    (product(stock=-1), "stock", f"must be a whole number from 0 to {STOCK_MAX}"),
    (product(stock=STOCK_MAX + 1), "stock", f"must be a whole number from 0 to {STOCK_MAX}"),
    (ChangeProductPrice(ID, Decimal("0.00")), "price", PRICE_RANGE),
    (RestockProduct(ID, 0), "quantity", f"must be a whole number from 1 to {STOCK_MAX}"),
    (RestockProduct(ID, -5), "quantity", f"must be a whole number from 1 to {STOCK_MAX}"),
    (RestockProduct(ID, STOCK_MAX + 1), "quantity", "must be a whole number from 1"),
    (DescribeProduct(ID, "Board", "", ""), "category", EMPTY),
]

STALE_VERSION: list[Any] = [
    ChangeUserEmail(ID, "ada@example.com", expected_version=0),
    RenameUser(ID, "Ada", expected_version=-1),
    DeactivateUser(ID, expected_version=0),
    ChangeProductPrice(ID, Decimal("1.00"), expected_version=0),
    RestockProduct(ID, 1, expected_version=0),
    DescribeProduct(ID, "Board", "", "keys", expected_version=0),
    DiscontinueProduct(ID, expected_version=0),
]


@pytest.mark.parametrize(("command", "field", "message"), BAD, ids=lambda v: repr(v)[:40])
async def test_a_bad_field_is_refused_with_its_rule_and_nothing_is_written(
    command: Any, field: str, message: str
) -> None:
    uow = FakeUnitOfWork()

    with pytest.raises(InvalidInput) as refused:
        await handle(command, uow)

    assert list(refused.value.errors) == [field]
    assert message in refused.value.errors[field]
    store = uow.store
    assert (uow.commits, store.rows_of(User), store.rows_of(Product), uow.log) == (0, {}, {}, [])


@pytest.mark.parametrize("command", STALE_VERSION, ids=lambda v: type(v).__name__)
async def test_an_expected_version_below_one_is_invalid_input(command: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        await handle(command, FakeUnitOfWork())
    assert refused.value.errors == {"expected_version": "must be 1 or more"}


async def test_every_bad_field_of_a_command_is_reported_at_once() -> None:
    command = AddProduct("kb 1", "", "x" * 2001, "", Decimal("0.001"), -1)

    with pytest.raises(InvalidInput) as refused:
        await handle(command, FakeUnitOfWork())

    assert sorted(refused.value.errors) == [
        "category", "description", "name", "price", "sku", "stock"
    ]
    assert "sku: may hold only" in refused.value.message


async def test_bad_fields_and_a_bad_expected_version_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as refused:
        await handle(RenameUser(ID, "\x00", expected_version=0), FakeUnitOfWork())
    assert refused.value.errors == {"name": CONTROL, "expected_version": "must be 1 or more"}


@pytest.mark.parametrize(
    "command",
    [
        user(name="x" * 100, email="a" * 64 + "@" + "b" * 185 + ".com"),
        user(name="Ada\tLovelace", email="ada.lovelace+tag@mail.example.co.uk"),
        product(sku="K" * 32, price="1000000.00", stock=STOCK_MAX),
        product(sku="0._-", description="line one\nline two", price="0.01", stock=0),
    ],
    ids=["longest name and email", "tab and plus", "upper bounds", "lower bounds"],
)
async def test_values_at_the_limits_are_accepted(command: Any) -> None:
    assert (await handle(command, FakeUnitOfWork())).version == 1


async def test_a_huge_price_is_reported_as_above_the_maximum() -> None:
    with pytest.raises(InvalidInput) as refused:
        await handle(product(price="1E+30"), FakeUnitOfWork())
    assert refused.value.errors == {"price": PRICE_RANGE}


async def test_a_restock_that_would_overflow_the_stock_is_refused_and_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    id = (await handle(product(stock=STOCK_MAX - 1), uow)).aggregate_id

    with pytest.raises(InvalidInput) as refused:
        await handle(RestockProduct(id, 2), uow)

    assert refused.value.errors == {"quantity": f"would bring the stock above {STOCK_MAX}"}
    stored = uow.store.rows_of(Product)[id]
    assert (stored.stock, stored.version, len(uow.log)) == (
        STOCK_MAX - 1, 1, 1
    )
    assert (await handle(RestockProduct(id, 1), uow)).version == 2
    assert uow.store.rows_of(Product)[id].stock == STOCK_MAX


async def test_a_price_is_checked_exactly_whatever_the_thread_decimal_context() -> None:
    # Five significant digits cannot hold 12345.67 to the cent: in the thread's context quantize
    # would raise InvalidOperation, an unexpected error for a valid price.
    with localcontext(Context(prec=5)):
        result = await handle(product(price="12345.67"), FakeUnitOfWork())
        with pytest.raises(InvalidInput) as refused:
            await handle(product(price="12345.675"), FakeUnitOfWork())
    assert result.version == 1
    assert refused.value.errors == {"price": "must be an amount with at most two decimal places"}


def test_the_write_side_bounds_counts_below_what_graphql_int_and_the_columns_hold() -> None:
    # GraphQL's Int is 32-bit: a larger value is refused while coercing, never reaching the
    # write side; everything the write side accepts fits both Int and the INTEGER stock column.
    int_max = 2**31 - 1
    assert int_max > STOCK_MAX
    assert int_max > QUANTITY_MAX
    assert products.c.stock.type.python_type is int
