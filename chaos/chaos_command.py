"""`python -m chaos [SCENARIO...] [--keep]`, or `make chaos`, from the checkout.

Runs the scenarios (all by default), each in a scratch directory and within its own deadline,
then prints one table: events committed, events lost, documents duplicated, events still stale,
and how long the index took to match the write store. Exits 1 if any scenario failed or could
not finish; a scenario this machine cannot run (no RabbitMQ, no PostgreSQL) is reported as not
run, with the reason.

DIPTYCH_CHAOS_POSTGRES_URL names the PostgreSQL server on which scenarios create (and drop) their
scratch databases; DIPTYCH_DATABASE_URL is used if it names PostgreSQL. DIPTYCH_CHAOS_AMQP_URL
names a RabbitMQ broker that scenarios which do not break the broker use under names of their own
(CI's); without it they start a scratch node of their own, which takes longer.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.errors import BenchError
from chaos.chaos_report import Row, table
from chaos.chaos_scenario import ChaosError, Context, NotRun, Scenario
from chaos.scenarios import scenarios


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help=f"{', '.join(scenarios())} (default: all)")
    parser.add_argument("--keep", action="store_true",
                        help="keep each scenario's scratch directory (logs, configs) and say where")
    args = parser.parse_args(argv)
    unknown = [name for name in args.scenarios if name not in scenarios()]
    if unknown:
        sys.exit(f"chaos: no scenario {', '.join(unknown)}; choose from {', '.join(scenarios())}")
    logging.basicConfig(level=logging.WARNING)
    chosen = [scenarios()[name] for name in dict.fromkeys(args.scenarios or scenarios())]
    try:
        rows = [run_one(scenario, postgres_url(), args.keep, amqp_url())
                for scenario in chosen]
    except KeyboardInterrupt:  # the scenario's own clean-up has run by now
        print("chaos: interrupted; everything the scenario started is stopped", file=sys.stderr)
        sys.exit(130)
    print(table(rows))
    if not all(row.passed for row in rows):
        sys.exit(1)


def postgres_url(env: dict[str, str] | None = None) -> str | None:
    """The server for scratch databases, as a postgresql+asyncpg:// URL; None without one."""
    env = dict(os.environ) if env is None else env
    for variable in ("DIPTYCH_CHAOS_POSTGRES_URL", "DIPTYCH_DATABASE_URL"):
        if env.get(variable):
            url = make_url(env[variable])
            if url.get_backend_name() == "postgresql":
                asyncpg = url.set(drivername="postgresql+asyncpg")
                return asyncpg.render_as_string(hide_password=False)
            if variable == "DIPTYCH_CHAOS_POSTGRES_URL":
                sys.exit(f"chaos: {variable} must name a PostgreSQL server")
    return None


def amqp_url(env: dict[str, str] | None = None) -> str | None:
    """The broker scenarios may share (DIPTYCH_CHAOS_AMQP_URL); None without one."""
    env = dict(os.environ) if env is None else env
    url = env.get("DIPTYCH_CHAOS_AMQP_URL") or None
    if url is not None and make_url(url).get_backend_name() not in ("amqp", "amqps"):
        sys.exit("chaos: DIPTYCH_CHAOS_AMQP_URL must name a RabbitMQ broker (amqp://...)")
    return url


def run_one(scenario: Scenario, postgres: str | None, keep: bool,
            amqp: str | None = None) -> Row:
    """Run one scenario to its end or its deadline; Ctrl-C stops it (and tears it down)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"diptych-chaos-{scenario.name}-"))
    context = Context(workdir, postgres, amqp)
    try:
        outcome = asyncio.run(asyncio.wait_for(scenario.run(context), scenario.deadline_s))
        return Row(scenario.name, outcome)
    except NotRun as reason:
        return Row(scenario.name, problem=str(reason), not_run=True)
    except TimeoutError:
        return Row(scenario.name, problem=f"did not finish within {scenario.deadline_s:g} s")
    except (ChaosError, BenchError) as error:
        return Row(scenario.name, problem=str(error))
    finally:
        if keep:
            print(f"chaos: {scenario.name} kept its scratch directory {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
