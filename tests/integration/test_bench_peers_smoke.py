"""The peers scenario at its --quick size on PostgreSQL: it installs PostGraphile from the
committed lock (once, into a cache), seeds through Diptych's command path, finds both sides'
answers equal, and reports every question against its own goal. Never a timing.

Skipped without npm, except in CI (CI=true), where node and npm must be there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.bench_runs import ScenarioRun, quick_bench

pytestmark = pytest.mark.postgres

NAME = "peers"
READS = ["products by category", "order search", "sales by day",
         "products by category, during writes"]
WRITE = "create a product"


def _node_and_npm() -> None:
    if shutil.which("node") and shutil.which("npm"):
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("node or npm is missing; CI must run the peers scenario's smoke test")
    pytest.skip("node or npm is missing: the peers scenario cannot install PostGraphile")


def _bench(postgres_url: str, out: Path, path: str | None = None
           ) -> subprocess.CompletedProcess[str]:
    return quick_bench(NAME, postgres_url, out, timeout=900, path=path)



@pytest.fixture(scope="module")
def peers_run(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScenarioRun]:
    _node_and_npm()
    out = tmp_path_factory.mktemp("bench-peers")
    done = _bench(postgres_url, out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield ScenarioRun(NAME, out, done.stdout)


def test_every_question_is_timed_on_both_sides_against_its_own_goal(peers_run: ScenarioRun) -> None:
    scenario = peers_run.scenario()
    assert [part["name"] for part in scenario["parts"]] == [*READS, WRITE]
    rounds = scenario["parameters"]["rounds"]
    for part in scenario["parts"]:
        per_round = scenario["parameters"][
            "writes_per_round" if part["name"] == WRITE else "reads_per_round"]
        for side in ("diptych", "raw"):
            assert len(part[side]["rounds"]) == rounds
            latency = part[side]["latency_ms"]
            assert latency["count"] == rounds * per_round
            assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
        assert part["ratio"] == pytest.approx(
            part["diptych"]["figure"] / part["raw"]["figure"], rel=1e-3)
        assert part["goal"] == (">= 80%" if part["name"] == WRITE else ">= 200%")
        assert part["met"] == (part["ratio"] >= (0.8 if part["name"] == WRITE else 2.0))
    assert scenario["parts"][-1]["diptych"]["unit"] == "mutations/s"


def test_the_scenario_row_is_the_question_furthest_below_its_goal(peers_run: ScenarioRun) -> None:
    scenario = peers_run.scenario()
    bound = {part["name"]: 0.8 if part["name"] == WRITE else 2.0 for part in scenario["parts"]}
    closest = min(scenario["parts"], key=lambda part: part["ratio"] / bound[part["name"]])
    assert scenario["ratio"] == closest["ratio"]
    assert scenario["diptych"]["label"].startswith(closest["name"])
    assert scenario["goal"]["met"] == all(part["met"] for part in scenario["parts"])


def test_it_seeds_through_the_command_path_and_checks_every_write_visible(
    peers_run: ScenarioRun,
) -> None:
    parameters = peers_run.scenario()["parameters"]
    assert (parameters["orders"], parameters["products"], parameters["users"]) == (300, 60, 30)
    assert parameters["seeded_commands"] > 390
    assert parameters["postgraphile"].startswith("5.")
    # The share of reads the answer cache served, per read part, as a percentage.
    for name in ("products_by_category", "order_search", "sales_by_day",
                 "products_by_category_writing"):
        assert re.fullmatch(r"\d+%", parameters[f"answers_kept_{name}"]), parameters
    assert parameters["write_rate_while_reading"] > 0
    # Each of Diptych's write rounds, and its warm-up, is read back with its tokens.
    assert parameters["writes_checked_visible"] >= (
        parameters["rounds"] * parameters["writes_per_round"])


def test_the_question_table_is_printed_and_written(peers_run: ScenarioRun) -> None:
    page = (peers_run.out / "latest.md").read_text()
    for question in [*READS, WRITE]:
        assert any(line.startswith(f"| {question} |") for line in page.splitlines())
        assert any(line.startswith(question) for line in peers_run.stdout.splitlines())
    assert "PostGraphile 5." in page


def test_without_node_or_npm_it_is_not_run_and_says_why(
    postgres_url: str, tmp_path: Path,
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    done = _bench(postgres_url, tmp_path / "out", path=str(empty))
    assert done.returncode != 0
    assert "peers not run: it needs Node.js and npm" in done.stderr
