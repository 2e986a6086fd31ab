"""Scalars the schema defines itself: a `Decimal` that refuses, at coercion, what no amount is.

strawberry's own Decimal accepts any text `decimal.Decimal` parses: `1e999999999`, `NaN`, a
thousand digits. Each is a valid Decimal and a bad amount, and the code that converts it later
raises `decimal.Overflow` (masked as a bug) or spends seconds turning a huge exponent into an
integer. This one keeps strawberry's name, description and serialisation, so the schema's SDL
does not change, and refuses such values before any resolver runs, as a coercion error.

It is a coarse bound on size, not the money rule: the domain still checks its own limits (a price
has at most two decimal places, up to 1,000,000.00) and reports them as typed field errors. So the
scalar allows a few more decimals than any currency uses (ISO 4217 has at most 3), and 12 integer
digits (orders' totals are NUMERIC(12, 2)): at most 18 significant digits, so an amount in cents
fits a 64-bit integer and the default 28-digit decimal context computes on it exactly.

Wire into the schema with `strawberry.Schema(..., scalar_overrides=SCALAR_OVERRIDES)`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

MAX_INTEGER_DIGITS = 12
MAX_FRACTION_DIGITS = 6
MAX_TEXT = 64  # characters: room for every accepted amount, with leading zeros and an exponent
NOT_A_NUMBER = 'Decimal takes a number or a string such as "89.90"'
TOO_LARGE = f"Decimal allows at most {MAX_INTEGER_DIGITS} digits before the decimal point"


def parse_amount(value: object) -> Decimal:
    """The Decimal that `value` (a string, or a JSON number) spells; ValueError, with a message
    for the client, when it is not a finite amount of sane size."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(NOT_A_NUMBER)
    if isinstance(value, int) and abs(value) >= 10**MAX_INTEGER_DIGITS:
        raise ValueError(TOO_LARGE)  # before str(): a huge int takes long to print
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TEXT:
        raise ValueError(f"Decimal is limited to {MAX_TEXT} characters")
    try:
        amount = Decimal(text)
    except ArithmeticError:  # decimal's InvalidOperation: not a number at all
        raise ValueError(f"{text!r} is not a decimal number") from None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or not isinstance(exponent, int):
        raise ValueError(f"Decimal must be a finite number, not {text!r}")
    if amount.adjusted() >= MAX_INTEGER_DIGITS:  # the leading digit's power of ten
        raise ValueError(TOO_LARGE)
    if -exponent > MAX_FRACTION_DIGITS:
        raise ValueError(
            f"Decimal allows at most {MAX_FRACTION_DIGITS} digits after the decimal point"
        )
    return amount


def parse_amount_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Decimal:
    """A literal in the document. Its source text is parsed as it stands: graphql-core's default
    would first make a Python int or float of it (a 5,000-digit int, or a float that rounds)."""
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return parse_amount(node.value)
    raise ValueError(NOT_A_NUMBER)


BoundedDecimal = ScalarDefinition(
    name=DecimalDefinition.name,
    description=DecimalDefinition.description,
    specified_by_url=DecimalDefinition.specified_by_url,
    serialize=str,
    parse_value=parse_amount,
    parse_literal=parse_amount_literal,
    origin=Decimal,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {Decimal: BoundedDecimal}
