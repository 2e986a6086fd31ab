"""The schema's Decimal refuses, while coercing, what no amount is; the schema stays the same."""

from __future__ import annotations

from decimal import Decimal

import pytest
import strawberry
from graphql import BooleanValueNode, FloatValueNode, IntValueNode, StringValueNode, ValueNode

from schema.graph_kinds import root_types
from schema.scalars import (
    MAX_INTEGER_DIGITS,
    SCALAR_OVERRIDES,
    BoundedDecimal,
    parse_amount,
    parse_amount_literal,
)
from write.domain_limits import PRICE_MAX
from write.orders.order import TOTAL_MAX

FORTY_DIGITS = "1234567890" * 4


@pytest.mark.parametrize(("value", "written"), [
    ("89.90", "89.90"),
    ("0.01", "0.01"),
    ("1e2", "1E+2"),
    ("0", "0"),
    ("-5.5", "-5.5"),  # the sign is the domain's business: it refuses with a field error
    ("12.505", "12.505"),  # so is the number of cents: a typed field error as well
    ("999999999999.999999", "999999999999.999999"),
    ("000000000000000089.90", "89.90"),
    (89, "89"),  # JSON numbers, in variables
    (89.9, "89.9"),
])
def test_a_sane_amount_is_accepted_as_written(value: object, written: str) -> None:
    parsed = parse_amount(value)
    assert parsed == Decimal(written)
    assert str(parsed) == written


@pytest.mark.parametrize(("value", "reason"), [
    ("1e999999999", "at most 12 digits before the decimal point"),
    ("1e12", "at most 12 digits before the decimal point"),
    ("0e100", "at most 12 digits before the decimal point"),
    pytest.param(FORTY_DIGITS, "at most 12 digits before", id="40-integer-digits"),
    pytest.param("0." + FORTY_DIGITS, "at most 6 digits after", id="40-fraction-digits"),
    ("1e-999999999", "at most 6 digits after the decimal point"),
    ("NaN", "finite number"),
    ("sNaN", "finite number"),
    ("Infinity", "finite number"),
    ("-Infinity", "finite number"),
    (float("inf"), "finite number"),
    (1e300, "at most 12 digits before the decimal point"),
    pytest.param(10**5000, "at most 12 digits before the decimal point", id="int-of-5001-digits"),
    pytest.param("1" + "0" * 100, "limited to 64 characters", id="101-characters"),
    ("eighty", "not a decimal number"),
    ("", "not a decimal number"),
    (True, "a number or a string"),
    (None, "a number or a string"),
    ([1], "a number or a string"),
])
def test_an_absurd_amount_is_refused_with_the_reason(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_amount(value)


def test_a_literal_is_parsed_from_its_source_text_not_from_a_python_number() -> None:
    # graphql-core's default makes a float of 0.30 first (it prints as 0.3) and an int of 5,000
    # digits (which Python refuses to print); the source text is exact and checked as it is.
    assert parse_amount_literal(FloatValueNode(value="89.90")) == Decimal("89.90")
    assert str(parse_amount_literal(FloatValueNode(value="0.30"))) == "0.30"
    assert parse_amount_literal(IntValueNode(value="89")) == Decimal("89")
    assert parse_amount_literal(StringValueNode(value="1e2")) == Decimal("100")
    with pytest.raises(ValueError, match="at most 12 digits"):
        parse_amount_literal(IntValueNode(value="9" * 13))
    with pytest.raises(ValueError, match="limited to 64 characters"):
        parse_amount_literal(IntValueNode(value="9" * 5000))
    with pytest.raises(ValueError, match="at most 12 digits"):
        parse_amount_literal(FloatValueNode(value="1e999999999"))


def test_a_literal_that_is_no_number_is_refused() -> None:
    node: ValueNode = BooleanValueNode(value=True)
    with pytest.raises(ValueError, match="a number or a string"):
        parse_amount_literal(node)


def test_the_bound_leaves_room_for_every_amount_the_write_side_accepts() -> None:
    for amount in (PRICE_MAX, TOTAL_MAX):
        assert parse_amount(str(amount)) == amount
        assert amount < 10**MAX_INTEGER_DIGITS


def test_the_override_keeps_the_decimal_scalar_as_clients_know_it() -> None:
    assert {Decimal: BoundedDecimal} == SCALAR_OVERRIDES
    assert BoundedDecimal.name == "Decimal"
    assert BoundedDecimal.serialize is not None
    assert BoundedDecimal.serialize(Decimal("89.90")) == "89.90"
    roots = root_types()
    plain = strawberry.Schema(query=roots.query, mutation=roots.mutation,
                              subscription=roots.subscription)
    bounded = strawberry.Schema(query=roots.query, mutation=roots.mutation,
                                subscription=roots.subscription, scalar_overrides=SCALAR_OVERRIDES)
    assert bounded.as_str() == plain.as_str()
