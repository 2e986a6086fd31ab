"""`validation`: what the limits at the edge cost a document the cache has not seen.

Diptych: each GraphQL example of the README parsed with the token limit, validated with the
standard rules, and measured (depth, aliases, directives, cost) as schema/edge/guard.py does on a
cache miss. Raw limit: the same documents parsed and validated with the standard rules only, as
strawberry does with no limits. A cache hit skips both, so this is the worst case per document.
"""

from __future__ import annotations

import time

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, specified_rules
from strawberry.schema.schema import validate_document

from bench.measurements import Goal, Outcome, Side
from bench.progress import bar
from bench.readme import examples
from bench.scenario import Context, Scenario
from schema.app import build_schema
from schema.edge.limits import DEFAULT_LIMITS
from schema.edge.measure import measure

GOAL = Goal(0.8)
ROUNDS, QUICK_ROUNDS = 6, 2
PASSES, QUICK_PASSES = 300, 10  # over every example, per round


async def run(context: Context) -> Outcome:
    schema = build_schema()._schema
    queries = [q.replace("PASTE-THE-", "x-") for q in examples()]
    rounds, passes = (QUICK_ROUNDS, QUICK_PASSES) if context.quick else (ROUNDS, PASSES)
    rules = tuple(specified_rules)

    def with_limits(query: str) -> None:
        document = parse(query, max_tokens=DEFAULT_LIMITS.max_tokens)
        assert not validate_document(schema, document, rules)
        operation = next(d for d in document.definitions
                         if isinstance(d, OperationDefinitionNode))
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        measure(schema, operation, fragments, None)

    def without_limits(query: str) -> None:
        assert not validate_document(schema, parse(query), rules)

    ours: list[float] = []
    theirs: list[float] = []
    with bar("validation", 2 * rounds * passes * len(queries), unit="document") as progress:
        for _ in range(rounds):  # alternating, so a noisy moment hits both sides alike
            for check, rates in ((with_limits, ours), (without_limits, theirs)):
                started = time.perf_counter()
                for _ in range(passes):
                    for query in queries:
                        check(query)
                rates.append(passes * len(queries) / (time.perf_counter() - started))
                progress.update(passes * len(queries))
    return Outcome(
        scenario="validation",
        diptych=_side(ours, "parse with the token limit, validate, measure depth/aliases/cost"),
        raw=_side(theirs, "parse and validate with graphql-core's standard rules"),
        goal=GOAL,
        parameters={"rounds": rounds, "documents": len(queries), "passes_per_round": passes},
        notes=("Documents: the README's examples; cache misses only (a hit skips both sides).",),
    )


def _side(rates: list[float], label: str) -> Side:
    return Side(label=label, unit="documents/s", figure=len(rates) / sum(1 / r for r in rates),
                rounds=tuple(rates))


SCENARIO = Scenario(
    name="validation",
    diptych="documents/s parsed, validated and measured against the limits (cache misses)",
    raw="the same documents parsed and validated without limits",
    goal=GOAL,
    run=run,
)
