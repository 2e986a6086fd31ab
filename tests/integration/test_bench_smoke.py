"""The benchmark harness at its --quick size on the embedded default: it runs, and what it writes
is well-formed. Never a timing: these sizes measure nothing."""

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

from bench.scenarios import SCENARIOS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# `python -m bench` finds the harness in its working directory (the installed package leaves
# it out), so it runs from the checkout.
CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class QuickRun:
    out: Path
    stdout: str

    def latest(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.out / "latest.json").read_text())
        return document


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuickRun]:
    out = tmp_path_factory.mktemp("bench-results")
    # No DIPTYCH_* setting of ours may steer it away from the embedded default.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIPTYCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield QuickRun(out, done.stdout)


# Without PostgreSQL (this run strips every DIPTYCH_* setting) crud-vs-cqrs and peers cannot
# run; they are reported as not run. tests/integration/test_bench_crud_smoke.py and
# test_bench_peers_smoke.py run them on PostgreSQL.
NOT_RUN = ["crud-vs-cqrs", "peers"]


def test_the_json_names_every_scenario_with_both_sides_and_their_ratio(quick_run: QuickRun) -> None:
    document = quick_run.latest()
    assert document["schema"] == "diptych-bench/1"
    assert document["quick"] is True
    assert [s["name"] for s in document["scenarios"]] == [
        name for name in SCENARIOS if name not in NOT_RUN]
    for scenario in document["scenarios"]:
        for side in ("diptych", "raw"):
            figures = scenario[side]
            assert figures["label"] and figures["unit"]
            assert figures["figure"] > 0
            assert len(figures["rounds"]) == scenario["parameters"]["rounds"]
        assert scenario["ratio"] == pytest.approx(
            scenario["diptych"]["figure"] / scenario["raw"]["figure"], rel=1e-3)
        assert len(scenario["round_ratios"]) == scenario["parameters"]["rounds"]
        assert isinstance(scenario["goal"]["met"], bool)
        assert scenario["goal"]["text"]
        assert scenario["parts"] == []


def test_a_scenario_that_needs_postgresql_is_reported_as_not_run_with_its_reason(
    quick_run: QuickRun,
) -> None:
    not_run = quick_run.latest()["not_run"]
    assert [s["name"] for s in not_run] == NOT_RUN
    assert "PostgreSQL" in not_run[0]["reason"] and not_run[0]["goal"]
    assert f"{NOT_RUN[0]} not run: " in quick_run.stdout
    assert f"**{NOT_RUN[0]}**: not run: " in (quick_run.out / "latest.md").read_text()


def test_latencies_come_as_ordered_percentiles_on_both_sides_where_they_apply(
    quick_run: QuickRun,
) -> None:
    with_latency = {"write", "read", "freshness"}
    for scenario in quick_run.latest()["scenarios"]:
        for side in ("diptych", "raw"):
            latency = scenario[side]["latency_ms"]
            if scenario["name"] not in with_latency:
                assert latency is None
                continue
            assert latency["count"] > 0
            assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]


def test_the_machine_and_the_backends_are_described(quick_run: QuickRun) -> None:
    document = quick_run.latest()
    machine = document["machine"]
    assert machine["cpu"] and machine["logical_cores"] >= 1 and machine["python"]
    assert machine["memory_gib"] is None or machine["memory_gib"] > 0
    assert document["backends"]["write_store"].startswith("SQLite")
    assert document["backends"]["broker"].startswith("in-process")
    assert document["backends"]["index"].startswith("tantivy")


def test_the_markdown_table_has_a_row_per_scenario(quick_run: QuickRun) -> None:
    page = (quick_run.out / "latest.md").read_text()
    header, rule, *body = first_table(page)
    assert "Diptych" in header and "raw limit" in header and "ratio" in header
    assert set(rule.replace("|", "").split()) == {"---"}
    assert [row.split("|")[1].strip() for row in body] == list(SCENARIOS)
    assert all(row.count("|") == header.count("|") for row in body)
    assert "![" in page and "(latest.png)" in page


def first_table(page: str) -> list[str]:
    """The lines of the page's first Markdown table (the row per scenario)."""
    lines = page.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("| "))
    end = next((n for n in range(start, len(lines)) if not lines[n].startswith("| ")), len(lines))
    return lines[start:end]


def test_the_chart_is_a_png(quick_run: QuickRun) -> None:
    assert (quick_run.out / "latest.png").read_bytes().startswith(PNG_SIGNATURE)


def test_each_run_is_also_kept_under_its_timestamp(quick_run: QuickRun) -> None:
    stamped = {p.suffix: p for p in quick_run.out.iterdir() if not p.stem.startswith("latest")}
    assert set(stamped) == {".json", ".md", ".png"}
    assert json.loads(stamped[".json"].read_text()) == quick_run.latest()
    assert f"({stamped['.png'].name})" in stamped[".md"].read_text()


def test_the_table_is_printed_with_a_line_per_scenario(quick_run: QuickRun) -> None:
    lines = quick_run.stdout.splitlines()
    assert lines[0].split()[:3] == ["scenario", "Diptych", "raw"]
    printed = [line.split()[0] for line in lines[2:2 + len(SCENARIOS)]]
    assert printed == list(SCENARIOS)
