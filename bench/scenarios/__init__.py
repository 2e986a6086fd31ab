"""Every scenario, by name, in the order a full run takes them. crud-vs-cqrs comes last: it is
the longest, and runs only on PostgreSQL."""

from __future__ import annotations

from bench.scenario import Scenario
from bench.scenarios import crud_vs_cqrs, freshness, project, read, validation, write

SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        write.SCENARIO, read.SCENARIO, project.SCENARIO, freshness.SCENARIO, validation.SCENARIO,
        crud_vs_cqrs.SCENARIO,
    )
}
