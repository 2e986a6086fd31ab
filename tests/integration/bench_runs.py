"""Running one benchmark scenario at its --quick size for a smoke test, and reading its report.

`python -m bench` finds the harness in its working directory (the installed package leaves it
out), so it runs from the checkout. The run itself stays on the embedded default; only the
scenario's scratch database is on the test PostgreSQL server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[2]


def quick_bench(name: str, postgres_url: str, out: Path, timeout: float,
                path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIPTYCH_")}
    env["DIPTYCH_BENCH_POSTGRES_URL"] = postgres_url
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "bench", name, "--quick", "--out", str(out)],
        cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )


@dataclass(frozen=True)
class ScenarioRun:
    name: str
    out: Path
    stdout: str

    def scenario(self) -> dict[str, Any]:
        """The scenario's entry of latest.json: it ran, and alone."""
        document = json.loads((self.out / "latest.json").read_text())
        assert [s["name"] for s in document["scenarios"]] == [self.name]
        assert document["not_run"] == []
        scenario: dict[str, Any] = document["scenarios"][0]
        return scenario
