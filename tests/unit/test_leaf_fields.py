"""The short path for leaf fields (schema/leaf_fields.py) answers exactly as graphql-core's own
execution does, errors and nulls included: the same schema run both ways, compared."""

from __future__ import annotations

import enum
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.leaf_fields import LeafFieldsExecutor
from schema.scalars import SCALAR_OVERRIDES


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Deny(BasePermission):
    message = "no"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Part:
    key: str
    n: int | None
    broken: str  # holds None
    # no resolver, but a permission: strawberry runs it, so it is no attribute read
    secret: str | None = strawberry.field(default="s", permission_classes=[Deny])

    @strawberry.field
    async def later(self) -> str:  # awaited among leaves answered at once
        return self.key * 2


class Raising:
    """Stands in for a Part whose `n` raises when read (a property, say)."""

    key, broken, secret = "r", "b", "s"

    @property
    def n(self) -> int:
        raise ValueError("boom")


@strawberry.type
class Item:
    name: str
    price: Decimal
    day: date
    colour: Colour
    count: int
    maybe: str | None
    broken: str  # holds None: a non-null field without a value is an error at its path
    wrong: int  # holds a string: a value its type refuses is an error at its path
    parts: list[Part]
    holes: list[Part | None]
    shaky: list[Part]

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(name=f"n{i}", price=Decimal("1.50") * i, day=date(2026, 1, 1 + i),
                     colour=Colour.RED if i % 2 else Colour.BLUE, count=i, maybe=None,
                     broken=None, wrong="x",  # type: ignore[arg-type]
                     parts=[Part(key=f"k{i}{j}", n=j, broken=None)  # type: ignore[arg-type]
                            for j in range(2)],
                     holes=[Part(key="h", n=1, broken="b"), None],
                     shaky=[Part(key="p", n=1, broken="b"), Raising()])  # type: ignore[list-item]
                for i in range(3)]

    @strawberry.field
    def one(self) -> Part:
        return Raising()  # type: ignore[return-value]


QUERIES = [
    "{ items { name price day colour count maybe shout(times: 2) alias: name } }",
    "{ items { name broken } }",
    "{ items { count wrong } }",
    "{ items { __typename name @include(if: false) count @skip(if: false) } }",
    "{ items { name parts { key n } count } }",  # a list of objects in each object of a list
    "{ items { parts { key later n } maybe } }",  # an awaitable among leaves, in order
    "{ items { count parts { key broken } } }",  # a null in a non-null field, nested
    "{ items { a: name b: count name parts { n m: n } } }",  # aliases, a field asked twice
    "{ items { ... on Item { name } ...more } } fragment more on Item { count parts { key } }",
    # read off attributes all the way down: each list completed whole
    "{ items { __typename name price day colour count a: name parts { __typename key n } } }",
    "{ items { name holes { key } } }",  # a null item: graphql-core's way, for the whole list
    "{ items { shaky { key n } } }",  # a read that raises, in a list: the error at its path
    "{ one { key n } }",  # and in one object
    "{ items { parts { key secret } } }",  # a permission on a field without a resolver
]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    plain = strawberry.Schema(query=Query, scalar_overrides=SCALAR_OVERRIDES)
    short = strawberry.Schema(query=Query, scalar_overrides=SCALAR_OVERRIDES,
                              execution_context_class=LeafFieldsExecutor)
    return plain, short


def outcome(result: Any) -> tuple[object, list[tuple[str, object]]]:
    """The answer as sent (its keys' order too: the selection's) and its errors."""
    return json.dumps(result.data), [(e.message, e.path) for e in result.errors or ()]


@pytest.mark.parametrize("query", QUERIES)
async def test_the_short_path_answers_as_graphql_core_does(query: str) -> None:
    plain, short = schemas()
    expected, got = await plain.execute(query), await short.execute(query)
    assert outcome(got) == outcome(expected)
    assert got.data is not None or got.errors  # something was answered


async def test_a_refused_value_is_still_an_error_at_its_path() -> None:
    _, short = schemas()
    result = await short.execute("{ items { count wrong } }")
    assert result.errors and result.errors[0].path == ["items", 0, "wrong"]


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each field graphql-core's own field execution ran, as Type.field."""
    base = StrawberryGraphQLCoreExecutionContext  # what LeafFieldsExecutor falls back to
    original = base.execute_field
    fields: list[str] = []

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        fields.append(f"{parent_type.name}.{args[1][0].node.name.value}")
        return original(self, parent_type, *args)

    monkeypatch.setattr(base, "execute_field", counting)
    return fields


async def test_leaves_read_off_objects_skip_graphql_core_s_field_execution(
    executed: list[str],
) -> None:
    _, short = schemas()
    result = await short.execute("{ items { name count shout maybe } }")
    assert not result.errors
    # `shout` has a resolver, `maybe` is null: graphql-core's way; name and count are not.
    assert sorted(executed) == ["Item.maybe"] * 3 + ["Item.shout"] * 3 + ["Query.items"]


async def test_a_list_read_off_attributes_all_the_way_down_is_completed_whole(
    executed: list[str],
) -> None:
    _, short = schemas()
    result = await short.execute("{ items { name count parts { key n } } }")
    assert not result.errors and result.data
    assert len(result.data["items"]) == 3 and result.data["items"][2]["parts"][1]["key"] == "k21"
    assert executed == ["Query.items"]  # no field of an item went through graphql-core
