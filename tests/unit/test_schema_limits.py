"""Every operation is measured and bounded before it runs: depth, aliases, directives, tokens and
cost, counted through fragment spreads in one pass that visits each fragment once."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from graphql import GraphQLList, get_introspection_query, get_nullable_type

from schema.app import build_schema
from schema.edge import guard
from schema.edge.guard import Checked, DocumentCache
from schema.edge.limits import DEFAULT_LIMITS, Limits
from schema.edge.measure import DEFAULT_LIST_SIZE, LIST_SIZES, MUTATION_COST


def fan_out(levels: int, leaf: str) -> str:
    """Fragment F0 spreads F1 twice, F1 spreads F2 twice...: 2**levels copies of the leaf."""
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    )
    return f"query {{ ...F0 }}\n{fragments}fragment F{levels} on Query {{ {leaf} }}"


async def errors_of(query: str, limits: Limits = DEFAULT_LIMITS, **variables: Any) -> list[Any]:
    result = await build_schema(limits).execute(query, variable_values=variables)
    return [e.extensions for e in result.errors or ()]


async def test_a_fan_out_of_fragment_spreads_is_measured_and_refused_by_its_aliases() -> None:
    assert await errors_of(fan_out(40, "a: __typename")) == [
        {"code": "TOO_MANY_ALIASES", "limit": 15, "measured": 2**40}
    ]


async def test_a_fan_out_of_fragment_spreads_is_refused_by_its_cost() -> None:
    (error,) = await errors_of(fan_out(40, "products { totalCount }"))
    assert error["code"] == "QUERY_TOO_COMPLEX"
    assert error["measured"] == 2**40


async def test_a_deep_operation_is_refused_with_its_depth_and_the_limit() -> None:
    deep = "{ orders { edges { node { lines { sku } } } } }"  # depth 5
    assert await errors_of(deep, Limits(max_depth=4)) == [
        {"code": "QUERY_TOO_DEEP", "limit": 4, "measured": 5}
    ]
    assert await errors_of(deep, Limits(max_depth=5)) != [
        {"code": "QUERY_TOO_DEEP", "limit": 5, "measured": 5}
    ]


async def test_depth_is_counted_through_fragments_and_inline_fragments() -> None:
    query = """{ ...A } fragment A on Query { orders { ... on OrderConnection { edges {
      node { ...B } } } } } fragment B on Order { lines { sku } }"""
    assert await errors_of(query, Limits(max_depth=4)) == [
        {"code": "QUERY_TOO_DEEP", "limit": 4, "measured": 5}
    ]


async def test_too_many_directives_are_refused() -> None:
    query = "{ " + " ".join(f"a{i}: __typename @skip(if: false)" for i in range(6)) + " }"
    assert await errors_of(query, Limits(max_directives=5)) == [
        {"code": "TOO_MANY_DIRECTIVES", "limit": 5, "measured": 6}
    ]


async def test_a_document_over_the_token_limit_is_refused_before_it_is_parsed_whole() -> None:
    (error,) = await errors_of("{ " + "__typename " * 2000 + "}")
    assert error == {"code": "TOO_MANY_TOKENS", "limit": 1000}


async def test_a_list_costs_its_page_size_and_a_variable_page_size_counts_too() -> None:
    query = "query($n: Int!) { products(first: $n) { totalCount edges { node { id } } } }"
    result = await build_schema().execute(query, variable_values={"n": 7})
    # products 1 + 7 edges x (edge 1 + node 1); scalars cost nothing
    assert result.extensions == {"cost": {"requested": 1 + 7 * 2, "maximum": 5000}}


async def test_lists_inside_a_page_multiply_and_a_big_page_of_orders_is_too_costly() -> None:
    query = "query($n: Int!) { orders(first: $n) { edges { node { lines { sku } } } } }"
    # orders 1 + n edges x (edge 1 + node 1 + 50 lines)
    assert await errors_of(query, n=100) == [
        {"code": "QUERY_TOO_COMPLEX", "limit": 5000, "measured": 1 + 100 * 52}
    ]
    allowed = await build_schema().execute(query, variable_values={"n": 40})
    assert allowed.extensions == {"cost": {"requested": 1 + 40 * 52, "maximum": 5000}}


async def test_a_page_size_is_read_as_execution_reads_it_floats_and_defaults_included() -> None:
    query = "query($n: Int!) { orders(first: $n) { edges { node { lines { sku } } } } }"
    refused = [{"code": "QUERY_TOO_COMPLEX", "limit": 5000, "measured": 1 + 100 * 52}]
    assert await errors_of(query, n=100.0) == refused  # coerced to the Int 100
    defaulted = "query($n: Int! = 100) { orders(first: $n) { edges { node { lines { sku } } } } }"
    assert await errors_of(defaulted) == refused


async def test_a_sales_summary_costs_the_buckets_of_its_period_from_literals_or_variables(
) -> None:
    query = """query($f: Date! = "2026-01-01", $t: Date! = "2026-01-31") {
      salesSummary(from: $f, to: $t, interval: DAY, groupBy: STATUS) { start groups { key } } }"""
    result = await build_schema().execute(query)
    assert result.extensions == {"cost": {"requested": 31 * (1 + 10), "maximum": 5000}}
    years = query.replace("2026-01-31", "2999-01-31")
    assert (await errors_of(years))[0]["code"] == "QUERY_TOO_COMPLEX"


async def test_each_id_a_subscription_lists_counts_toward_its_cost() -> None:
    ids = ", ".join(f'"{i}"' for i in range(300))
    query = f"subscription {{ documentChanged(type: PRODUCT, ids: [{ids}]) {{ id }} }}"
    stream = await build_schema(Limits(max_cost=300)).subscribe(query)
    first = await anext(stream)
    errors = getattr(first, "errors", None)
    assert errors and errors[0].extensions == {
        "code": "QUERY_TOO_COMPLEX", "limit": 300, "measured": 1 + 300}


async def test_a_document_that_repeats_fields_past_graphql_core_s_budget_is_refused() -> None:
    """Within the token limit, but comparing the copies with each other costs 300,000 steps."""
    copies = ('user(id: "1") { ' + "id " * 60 + "} ") * 14
    (error,) = await errors_of("{ " + copies + "}")
    assert error == {"code": "VALIDATION_TOO_COMPLEX"}


async def test_a_mutation_costs_its_transaction_on_top_of_its_fields() -> None:
    query = 'mutation { renameUser(input: {id: "x", name: "y"}) { __typename } }'
    result = await build_schema(Limits(max_cost=MUTATION_COST)).execute(query)
    assert result.errors and result.errors[0].extensions == {
        "code": "QUERY_TOO_COMPLEX", "limit": MUTATION_COST, "measured": MUTATION_COST + 1
    }


async def test_graphiql_s_introspection_query_passes_every_limit() -> None:
    query = get_introspection_query(
        descriptions=True, specified_by_url=True, directive_is_repeatable=True,
        schema_description=True, input_value_deprecation=True,
    )
    result = await build_schema().execute(query)
    assert result.errors is None
    assert result.data is not None and result.data["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_cannot_be_multiplied_by_aliases() -> None:
    query = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(3)) + " }"
    assert await errors_of(query) == [
        {"code": "INTROSPECTION_TOO_LARGE", "limit": 2, "measured": 3}
    ]


def test_every_list_field_has_an_expected_size_or_a_page() -> None:
    """A new list field must say how long it can be, or it is costed as DEFAULT_LIST_SIZE."""
    schema = build_schema()._schema
    lists = {
        (type_name, field_name)
        for type_name, graphql_type in schema.type_map.items()
        if not type_name.startswith("__")
        for field_name, field in getattr(graphql_type, "fields", {}).items()
        if isinstance(get_nullable_type(field.type), GraphQLList)
        and hasattr(graphql_type, "interfaces")
    }
    paged = {(t, f) for t, f in lists if f == "edges" and t.endswith("Connection")}
    assert lists - paged == set(LIST_SIZES)
    assert all(size > 0 for size in LIST_SIZES.values()) and DEFAULT_LIST_SIZE > 0


def test_the_document_cache_is_bounded_by_the_bytes_of_its_queries() -> None:
    cache = DocumentCache(max_bytes=100)
    entry = Checked(document=None, errors=[])  # type: ignore[arg-type]
    for i in range(10):
        cache.put(f"{i}" * 30, entry)
    assert cache.size_bytes <= 100
    assert cache.get("9" * 30) is entry and cache.get("0" * 30) is None
    cache.put("x" * 101, entry)
    assert cache.get("x" * 101) is None


async def test_a_repeated_query_is_parsed_and_validated_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = build_schema()
    parsed: list[str] = []
    original = guard.parse

    def counting(source: str, **options: Any) -> Any:
        parsed.append(source)
        return original(source, **options)

    monkeypatch.setattr(guard, "parse", counting)
    for _ in range(3):
        result = await schema.execute("{ __typename }")
        assert result.data == {"__typename": "Query"}
    assert parsed == ["{ __typename }"]


async def test_a_measure_is_remembered_per_variables_within_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = build_schema()
    measured: list[object] = []
    original = guard.measure

    def counting(*args: Any) -> Any:
        measured.append(args[-1])  # the variables
        return original(*args)

    monkeypatch.setattr(guard, "measure", counting)
    monkeypatch.setattr(guard, "MEASURES_KEPT", 3)
    query = "query($n: Int!) { products(first: $n) { totalCount } }"
    costs = []
    for n in (1, 1, 7, 1):
        result = await schema.execute(query, variable_values={"n": n})
        costs.append(result.extensions["cost"]["requested"] if result.extensions else None)
    assert measured == [{"n": 1}, {"n": 7}]  # the same variables are not measured again
    assert costs[0] == costs[1] == costs[3] and costs[2] is not None
    for n in range(10):  # distinct variables: the oldest are forgotten, never more than the bound
        await schema.execute(query, variable_values={"n": n})
    (cache,) = {e.args[1] for e in schema.extensions if isinstance(e, functools.partial)}
    assert len(cache.measures) == 3
    big = "query($s: String) { products(search: $s, first: 1) { totalCount } }"
    await schema.execute(big, variable_values={"s": "x" * guard.MEASURED_CHARS})
    assert all(key[0] != big for key in cache.measures)  # too large to remember
