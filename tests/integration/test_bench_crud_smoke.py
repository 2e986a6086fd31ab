"""The crud-vs-cqrs scenario at its --quick size on PostgreSQL: it seeds through the command path,
finds both sides' answers equal, and reports every question. Never a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.postgres

NAME = "crud-vs-cqrs"
QUESTIONS = ["order search", "sales by day", "products by category"]
# `python -m bench` finds the harness in its working directory (the installed package leaves
# it out), so it runs from the checkout.
CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CrudRun:
    out: Path
    stdout: str

    def scenario(self) -> dict[str, Any]:
        document = json.loads((self.out / "latest.json").read_text())
        assert [s["name"] for s in document["scenarios"]] == [NAME]
        assert document["not_run"] == []
        scenario: dict[str, Any] = document["scenarios"][0]
        return scenario


@pytest.fixture(scope="module")
def crud_run(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrudRun]:
    out = tmp_path_factory.mktemp("bench-crud")
    # The run itself stays on the embedded default; only this scenario's scratch database is on
    # the test server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIPTYCH_")}
    env["DIPTYCH_BENCH_POSTGRES_URL"] = postgres_url
    done = subprocess.run(
        [sys.executable, "-m", "bench", NAME, "--quick", "--out", str(out)],
        cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield CrudRun(out, done.stdout)


def test_every_question_is_timed_both_ways_with_ordered_percentiles(crud_run: CrudRun) -> None:
    scenario = crud_run.scenario()
    assert [part["name"] for part in scenario["parts"]] == QUESTIONS
    rounds = scenario["parameters"]["rounds"]
    samples = rounds * scenario["parameters"]["askings_per_round"]
    for part in scenario["parts"]:
        for side in ("diptych", "raw"):
            assert len(part[side]["rounds"]) == rounds
            latency = part[side]["latency_ms"]
            assert latency["count"] == samples
            assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
        assert part["ratio"] == pytest.approx(
            part["diptych"]["figure"] / part["raw"]["figure"], rel=1e-3)
        assert isinstance(part["met"], bool)


def test_the_scenario_row_is_the_question_where_the_read_side_leads_least(
    crud_run: CrudRun,
) -> None:
    scenario = crud_run.scenario()
    closest = min(scenario["parts"], key=lambda part: part["ratio"])
    assert scenario["ratio"] == closest["ratio"]
    assert scenario["diptych"]["label"].startswith(closest["name"])
    assert scenario["goal"]["met"] == all(part["met"] for part in scenario["parts"])


def test_the_seed_went_through_the_command_path_at_the_quick_size(crud_run: CrudRun) -> None:
    parameters = crud_run.scenario()["parameters"]
    assert (parameters["orders"], parameters["products"], parameters["users"]) == (300, 60, 30)
    # users + products + orders, plus the orders shipped or cancelled afterwards
    assert parameters["seeded_commands"] > 390


def test_the_question_table_is_printed_and_written(crud_run: CrudRun) -> None:
    page = (crud_run.out / "latest.md").read_text()
    for question in QUESTIONS:
        assert any(line.startswith(f"| {question} |") for line in page.splitlines())
        assert any(line.startswith(question) for line in crud_run.stdout.splitlines())
