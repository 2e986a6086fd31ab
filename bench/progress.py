"""Progress bars for long runs: tqdm on stderr, silent when stderr is not a terminal (CI, tests)."""

from __future__ import annotations

from typing import NoReturn

from tqdm import tqdm


def bar(scenario: str, total: int, unit: str = "op") -> tqdm[NoReturn]:
    return tqdm(total=total, desc=scenario, unit=unit, disable=None, dynamic_ncols=True)
