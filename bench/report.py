"""A run's results as a JSON document, and that document as a Markdown page and a printed table.

The JSON is the record (`schema`: "diptych-bench/1"); the page and the table are rendered from it,
so they never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bench.machine import summary
from bench.measurements import Goal, Outcome, Part, Side
from bench.scenario import Scenario

SCHEMA = "diptych-bench/1"
HEADERS = ("scenario", "Diptych", "raw limit", "ratio", "goal", "met",
           "Diptych p50 / p95 / p99 ms", "raw p50 / p95 / p99 ms")


def document(
    results: Sequence[tuple[Scenario, Outcome]],
    machine: dict[str, object],
    backends: dict[str, str],
    started: datetime,
    finished: datetime,
    quick: bool,
    not_run: Sequence[tuple[Scenario, str]] = (),
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine,
        "backends": backends,
        "scenarios": [_scenario(scenario, outcome) for scenario, outcome in results],
        "not_run": [
            {"name": scenario.name, "goal": scenario.goal.text, "reason": reason}
            for scenario, reason in not_run
        ],
    }


def _scenario(scenario: Scenario, outcome: Outcome) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "compares": {"diptych": scenario.diptych, "raw": scenario.raw},
        "diptych": _side(outcome.diptych),
        "raw": _side(outcome.raw),
        "ratio": round(outcome.ratio, 4),
        "round_ratios": [round(r, 4) for r in outcome.round_ratios],
        "goal": {
            "text": outcome.goal.text,
            "bound": outcome.goal.bound,
            "at_most": outcome.goal.at_most,
            "met": outcome.goal.met(outcome.ratio),
            "shown": outcome.goal.show(outcome.ratio),
        },
        "parameters": outcome.parameters,
        "notes": list(outcome.notes),
        "parts": [_part(part, part.goal or outcome.goal) for part in outcome.parts],
    }


def _part(part: Part, goal: Goal) -> dict[str, Any]:
    return {"name": part.name, "diptych": _side(part.diptych), "raw": _side(part.raw),
            "ratio": round(part.ratio, 4), "goal": goal.text, "met": goal.met(part.ratio),
            "shown": goal.show(part.ratio)}


def _side(side: Side) -> dict[str, Any]:
    latency = side.latency
    return {
        "label": side.label,
        "unit": side.unit,
        "figure": round(side.figure, 3),
        "rounds": [round(r, 3) for r in side.rounds],
        "latency_ms": None if latency is None else {
            k: round(v, 3) if isinstance(v, float) else v
            for k, v in dataclasses.asdict(latency).items()
        },
    }


def rows(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    """A row per scenario: those that ran, then those that did not."""
    return [
        (
            s["name"],
            _figure(s["diptych"]),
            _figure(s["raw"]),
            s["goal"]["shown"],
            s["goal"]["text"],
            "yes" if s["goal"]["met"] else "no",
            _percentiles(s["diptych"]),
            _percentiles(s["raw"]),
        )
        for s in doc["scenarios"]
    ] + [(s["name"], "not run", "-", "-", s["goal"], "-", "-", "-") for s in doc["not_run"]]


def part_rows(scenario: dict[str, Any]) -> list[tuple[str, ...]]:
    """A header, then a row per part of the scenario, judged by its own goal or the scenario's:
    the columns of the row per scenario."""
    header = (scenario["name"], "Diptych", "raw", "ratio", "goal", "met",
              "Diptych p50 / p95 / p99 ms", "raw p50 / p95 / p99 ms")
    return [header] + [
        (p["name"], _figure(p["diptych"]), _figure(p["raw"]), p["shown"],
         p.get("goal", scenario["goal"]["text"]), "yes" if p["met"] else "no",
         _percentiles(p["diptych"]), _percentiles(p["raw"]))
        for p in scenario["parts"]
    ]


def _figure(side: dict[str, Any]) -> str:
    unit: str = side["unit"]
    figure: float = side["figure"]
    return f"{figure:.1f} {unit}" if unit.startswith("ms") else f"{figure:,.0f} {unit}"


def _percentiles(side: dict[str, Any], count: int = 3) -> str:
    latency = side["latency_ms"]
    if latency is None:
        return "-"
    return " / ".join(f"{latency[p]:.1f}" for p in ("p50", "p95", "p99")[:count])


def table(doc: dict[str, Any]) -> str:
    """The results as plain-text tables, for the terminal: a row per scenario, then the parts of
    those that have some, then why a scenario did not run."""
    parts = [_plain(part_rows(s)) for s in doc["scenarios"] if s["parts"]]
    reasons = [f"{s['name']} not run: {s['reason']}" for s in doc["not_run"]]
    return "\n\n".join([_plain([HEADERS, *rows(doc)]), *parts, *reasons])


def _plain(lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    rendered = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
                for line in lines]
    rendered.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(rendered)


def markdown_table(doc: dict[str, Any]) -> str:
    return _markdown([HEADERS, *rows(doc)])


def _markdown(lines: list[tuple[str, ...]]) -> str:
    header, *body = lines
    ruled = [header, tuple("---" for _ in header), *body]
    return "\n".join("| " + " | ".join(line) + " |" for line in ruled)


def markdown(doc: dict[str, Any], chart: str) -> str:
    """The whole page: when and where it ran, the table, the chart (file name `chart`) and what
    each row compares."""
    backends = doc["backends"]
    parts = [
        f"# Diptych benchmark, {doc['started_at']}",
        "",
        *(["**Quick run**: smoke-test sizes, the figures mean nothing.", ""] if doc["quick"]
          else []),
        f"- Machine: {summary(doc['machine'])}",
        f"- Write store: {backends['write_store']}",
        f"- Broker: {backends['broker']}",
        f"- Index: {backends['index']}",
        "",
        "Ratio: Diptych's figure divided by the raw limit's, both measured in this run in "
        "alternating rounds.",
        "",
        markdown_table(doc),
        "",
        f"![Latency distributions and ratios]({chart})",
        "",
    ]
    for s in doc["scenarios"]:
        if s["parts"]:
            parts += [f"## {s['name']}, part by part", "",
                      f"Diptych: {s['compares']['diptych']}. Raw: {s['compares']['raw']}.", "",
                      _markdown(part_rows(s)), ""]
    parts += ["## What each row compares", ""]
    for s in doc["scenarios"]:
        parameters = ", ".join(f"{k}={v}" for k, v in s["parameters"].items())
        parts += [
            f"- **{s['name']}** ({parameters})",
            f"  - Diptych: {s['diptych']['label']}",
            f"  - Raw limit: {s['raw']['label']}",
            *(f"  - {note}" for note in s["notes"]),
        ]
    parts += [f"- **{s['name']}**: not run: {s['reason']}" for s in doc["not_run"]]
    return "\n".join(parts) + "\n"
