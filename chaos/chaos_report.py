"""The run's table: one row per scenario, the same figures for each, and what each one saw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chaos.chaos_scenario import Outcome

HEADERS = ("scenario", "events", "lost", "duplicated", "stale", "converged in", "result")


@dataclass(frozen=True)
class Row:
    scenario: str
    outcome: Outcome | None = None
    problem: str = ""  # why it did not run, or how it failed to finish
    not_run: bool = False

    @property
    def passed(self) -> bool:
        return self.not_run or (self.outcome is not None and self.outcome.passed)

    def cells(self) -> tuple[str, ...]:
        o = self.outcome
        if o is None:
            return (self.scenario, "", "", "", "", "", "not run" if self.not_run else "ERROR")
        converged = "never" if o.converge_s is None else f"{o.converge_s:.2f} s"
        return (self.scenario, f"{o.events:,}", str(o.lost), str(o.duplicated), str(o.stale),
                converged, "pass" if o.passed else "FAIL")


def table(rows: Sequence[Row]) -> str:
    cells = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
             .rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    for row in rows:
        details = [*row.outcome.notes, *(f"PRODUCT DEFECT: {finding}"
                                          for finding in row.outcome.findings)] if (
            row.outcome) else [row.problem]
        lines += ["", f"{row.scenario}:"] + [f"  - {detail}" for detail in details if detail]
    return "\n".join(lines)
