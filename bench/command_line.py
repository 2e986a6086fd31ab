"""`python -m bench [SCENARIO...] [--quick] [--out DIR]`, or `make bench`, from the checkout.

Runs the scenarios (all by default) against the embedded default, or against the PostgreSQL
server and RabbitMQ broker named by DIPTYCH_DATABASE_URL / DIPTYCH_AMQP_URL (in scratch databases
and under broker names of its own). Prints a table and writes JSON, Markdown and a PNG chart to
the output directory, each under a timestamp and as `latest.*`.

The harness is a development tool: the installed package and the image leave it out, and what
it needs beyond the service comes with the dev extra. This module imports nothing heavy, so
`--help` answers, and a missing dependency is named, before any scenario is imported.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import uvloop

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help="write, read, project, freshness, validation, crud-vs-cqrs, peers "
                             "(default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke-test sizes: checks the harness in seconds, measures nothing")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help=f"where results go (default: {RESULTS})")
    args = parser.parse_args(argv)
    run(args.scenarios, args.quick, args.out)


def run(names: Sequence[str], quick: bool, out: Path) -> None:
    try:
        from bench.errors import BenchError
        from bench.scenarios import SCENARIOS
        from bench.session import run_scenarios
    except ImportError as error:  # matplotlib, tqdm, httpx or aiohttp
        missing = (error.name or "a module").split(".")[0]
        sys.exit(f"bench: {missing} is missing; install the dev extra "
                 "(`make bench` does, or pip install -e '.[dev]')")
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        sys.exit(f"bench: no scenario {', '.join(unknown)}; "
                 f"choose from {', '.join(SCENARIOS)}")
    # The in-process workers log every start; here the output is the table.
    logging.getLogger().setLevel(logging.WARNING)
    chosen = [SCENARIOS[name] for name in dict.fromkeys(names or SCENARIOS)]
    try:
        # uvloop, as `diptych serve` runs: the raw limits measured here get the same loop.
        with (
            tempfile.TemporaryDirectory(prefix="diptych-bench-") as workdir,
            asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
        ):
            table, written = runner.run(run_scenarios(chosen, quick, Path(workdir), out))
    except BenchError as error:
        sys.exit(f"bench: {error}")
    print(table)
    print("\nwritten: " + ", ".join(str(path) for path in written))
