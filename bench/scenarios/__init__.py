"""Every scenario, by name, in the order a full run takes them. crud-vs-cqrs and peers come last:
they are the longest, and run only on PostgreSQL (peers also needs Node.js and npm)."""

from __future__ import annotations

from bench.scenario import Scenario
from bench.scenarios import crud_vs_cqrs, freshness, peers, project, read, validation, write

SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        write.SCENARIO, read.SCENARIO, project.SCENARIO, freshness.SCENARIO, validation.SCENARIO,
        crud_vs_cqrs.SCENARIO, peers.SCENARIO,
    )
}
