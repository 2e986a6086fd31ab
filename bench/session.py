"""One benchmark run: the chosen scenarios in turn, then the record of them on disk."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import chart, machine, report
from bench.backends import Backends
from bench.errors import BenchError, NotRun
from bench.measurements import Outcome
from bench.scenario import Context, Scenario


async def run_scenarios(
    scenarios: Sequence[Scenario], quick: bool, workdir: Path, out: Path
) -> tuple[str, list[Path]]:
    """Run each scenario in a scratch directory of its own; return the printed table and the
    files written."""
    backends = Backends.from_env()
    started = datetime.now(UTC)
    results: list[tuple[Scenario, Outcome]] = []
    not_run: list[tuple[Scenario, str]] = []
    for scenario in scenarios:
        context = Context(backends, workdir / scenario.name, quick)
        try:
            results.append((scenario, await scenario.run(context)))
        except NotRun as reason:
            not_run.append((scenario, str(reason)))
    if not results:
        raise BenchError("; ".join(f"{s.name} not run: {reason}" for s, reason in not_run))
    doc = report.document(results, machine.describe(), await backends.describe(), started,
                          datetime.now(UTC), quick, not_run)
    title = f"Diptych benchmark {doc['started_at']}{' (quick)' if quick else ''}"
    png = chart.draw([outcome for _, outcome in results], title)
    return report.table(doc), save(out, doc, png, started)


def save(out: Path, doc: dict[str, Any], png: bytes, started: datetime) -> list[Path]:
    """`<timestamp>.{json,md,png}` and the same as `latest.*`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem in (started.strftime("%Y%m%dT%H%M%SZ"), "latest"):
        files = {
            ".json": json.dumps(doc, indent=2).encode() + b"\n",
            ".md": report.markdown(doc, f"{stem}.png").encode(),
            ".png": png,
        }
        for suffix, content in files.items():
            path = out / f"{stem}{suffix}"
            path.write_bytes(content)
            written.append(path)
    return written
