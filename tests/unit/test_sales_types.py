"""The sales summary's GraphQL types are answered from the query's own views
(schema/sales_operations.py): each field a type declares must be an attribute of its view, and
neither type may gain what would check an answer's class (an interface, `is_type_of`)."""

from __future__ import annotations

import dataclasses

import pytest

from read.query import sales_queries as sales
from schema.app import build_schema
from schema.sales_types import SalesBucket, SalesGroup


@pytest.mark.parametrize(("graphql_type", "view"), [(SalesBucket, sales.SalesBucket),
                                                     (SalesGroup, sales.SalesGroup)])
def test_every_field_of_the_type_is_an_attribute_of_its_view(graphql_type: type,
                                                             view: type) -> None:
    definition = graphql_type.__strawberry_definition__  # type: ignore[attr-defined]
    declared = {f.python_name for f in definition.fields}
    assert declared and declared <= {f.name for f in dataclasses.fields(view)}


def test_nothing_checks_the_class_of_a_sales_answer() -> None:
    schema = build_schema()._schema
    for name in ("SalesBucket", "SalesGroup"):
        graphql_type = schema.get_type(name)
        assert graphql_type is not None
        assert graphql_type.is_type_of is None and not graphql_type.interfaces  # type: ignore
