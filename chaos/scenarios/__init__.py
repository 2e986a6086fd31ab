"""The scenarios, found by module: every module here declares `SCENARIO = Scenario(...)`, and
adding one (a SIGKILLed relay or projector, a broker down, a poison event, a rebuild) is adding
its module."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from chaos.chaos_scenario import Scenario


@cache
def scenarios() -> dict[str, Scenario]:
    """Name -> scenario, in module order."""
    found: dict[str, Scenario] = {}
    for module in pkgutil.iter_modules(__path__, f"{__name__}."):
        scenario = getattr(importlib.import_module(module.name), "SCENARIO", None)
        if not isinstance(scenario, Scenario):
            raise TypeError(f"{module.name} must declare SCENARIO = Scenario(...)")
        found[scenario.name] = scenario
    return found
