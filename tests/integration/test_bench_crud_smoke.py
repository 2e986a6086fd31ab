"""The crud-vs-cqrs scenario at its --quick size on PostgreSQL: it seeds through the command path,
finds both sides' answers equal, and reports every question. Never a timing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.bench_runs import ScenarioRun, quick_bench

pytestmark = pytest.mark.postgres

NAME = "crud-vs-cqrs"
QUESTIONS = ["order search", "sales by day", "products by category"]


@pytest.fixture(scope="module")
def crud_run(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScenarioRun]:
    out = tmp_path_factory.mktemp("bench-crud")
    done = quick_bench(NAME, postgres_url, out, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield ScenarioRun(NAME, out, done.stdout)


def test_every_question_is_timed_both_ways_with_ordered_percentiles(crud_run: ScenarioRun) -> None:
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
    crud_run: ScenarioRun,
) -> None:
    scenario = crud_run.scenario()
    closest = min(scenario["parts"], key=lambda part: part["ratio"])
    assert scenario["ratio"] == closest["ratio"]
    assert scenario["diptych"]["label"].startswith(closest["name"])
    assert scenario["goal"]["met"] == all(part["met"] for part in scenario["parts"])


def test_the_seed_went_through_the_command_path_at_the_quick_size(crud_run: ScenarioRun) -> None:
    parameters = crud_run.scenario()["parameters"]
    assert (parameters["orders"], parameters["products"], parameters["users"]) == (300, 60, 30)
    # users + products + orders, plus the orders shipped or cancelled afterwards
    assert parameters["seeded_commands"] > 390


def test_the_question_table_is_printed_and_written(crud_run: ScenarioRun) -> None:
    page = (crud_run.out / "latest.md").read_text()
    for question in QUESTIONS:
        assert any(line.startswith(f"| {question} |") for line in page.splitlines())
        assert any(line.startswith(question) for line in crud_run.stdout.splitlines())
