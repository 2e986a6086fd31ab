"""The shipped alert rules (deploy/prometheus/alerts.yml) are valid, fire on the series their
scenarios describe (alerts_test.yml), and only name metrics that /metrics serves."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SERVED = set(re.findall(
    r'"diptych_(\w+)"|gauge\("(\w+)"',
    (Path(__file__).resolve().parents[2] / "diptych" / "metrics.py").read_text(),
))


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if IN_CI:
            pytest.fail("promtool is missing; CI installs Debian's prometheus package (.ci/run)")
        pytest.skip("promtool not installed (Debian package `prometheus`)")
    return found


@pytest.mark.parametrize("command", [["check", "rules", "alerts.yml"],
                                     ["test", "rules", "alerts_test.yml"]])
def test_promtool_accepts_the_rules_and_their_scenarios(command: list[str]) -> None:
    done = subprocess.run([promtool(), *command], cwd=RULES, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_metric_an_alert_reads_is_one_diptych_serves() -> None:
    served = {"diptych_" + (a or b) for a, b in SERVED}
    rules = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"][0]["rules"]
    read = {name for rule in rules for name in re.findall(r"diptych_\w+", rule["expr"])}
    assert read and read <= served, read - served
