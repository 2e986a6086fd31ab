"""Every scenario, by name, in the order a full run takes them.

The crud-vs-cqrs scenario (the orders issue's read-model questions against the same questions as
SQL on the write store) is to come: a module here with a `SCENARIO`, and one entry below.
"""

from __future__ import annotations

from bench.scenario import Scenario
from bench.scenarios import freshness, project, read, write

SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (write.SCENARIO, read.SCENARIO, project.SCENARIO, freshness.SCENARIO)
}
