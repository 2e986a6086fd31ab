"""`index-unwritable`: the live tantivy version's directory unwritable for 10 s mid-stream; the
projector retries in place, parks nothing, and everything converges.

PostgreSQL, RabbitMQ and the three processes. Mid-stream the directory of the index version the
projector writes (and every file in it) is made unwritable, then restored 10 s later. As a
normal account that is `chmod -R a-w`. As root, permission bits do not stop writes (root
bypasses them), so the scenario sets the immutable attribute instead (`chattr -R +i`, ext4 and
most Linux file systems): then no one, root included, may create, replace, delete or write a
file there, which is what a read-only or failing disk looks like to tantivy. A full file system
is not made: it would need a mount of its own, which this machine does not allow.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from pathlib import Path

from bench.backends import Backends
from chaos import fault_run
from chaos.chaos_scenario import ChaosError, Context, Outcome, Scenario
from chaos.fault_run import Run

NAME = "index-unwritable"
WRITES, BREAK_AFTER = 800, 200
DOWN_S = 10.0


def lock_down(directory: Path, locked: bool) -> str:
    """Make `directory` and its files unwritable (or writable again); the command used."""
    if os.geteuid() == 0:
        command = ["chattr", "-R", "+i" if locked else "-i", str(directory)]
    else:
        command = ["chmod", "-R", "a-w" if locked else "u+w", str(directory)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ChaosError(f"`{' '.join(command)}` failed: {done.stderr.strip()}")
    return " ".join(command[:3])


async def run(context: Context) -> Outcome:
    postgres = fault_run.needs_postgres(context)
    async with contextlib.AsyncExitStack() as stack:
        database = await stack.enter_async_context(
            Backends(postgres=postgres).database(context.workdir, "unwritable"))
        broker = await fault_run.broker_settings(stack, context)
        run_ = await stack.enter_async_context(fault_run.started(context, database, broker))
        versions = sorted(run_.stack.service.index_dir.glob("v-*"))
        if len(versions) != 1:
            raise ChaosError(f"expected one index version, found {versions}")
        live = versions[0]
        stack.callback(lock_down, live, False)  # restored whatever happens, or cleanup fails

        async def unwritable() -> None:
            retried = run_.stack.says("projector", "retrying")
            used = lock_down(live, True)
            await asyncio.sleep(DOWN_S)
            lock_down(live, False)
            run_.notes.append(
                f"`{used}` on the live version {live.name} after {BREAK_AFTER} writes, undone "
                f"{DOWN_S:g} s later; the projector logged "
                f"{run_.stack.says('projector', 'retrying') - retried} retries meanwhile")

        written = await fault_run.stream(run_, WRITES, BREAK_AFTER, unwritable)
        await _nothing_parked(run_)
        return (await fault_run.audited(run_, NAME, written, parked_apart=False))[1]


async def _nothing_parked(run: Run) -> None:
    run.findings.extend(run.stack.dead())
    parked = await fault_run.parked_events(run)
    if parked:
        run.findings.append(f"{parked} event(s) were parked for an index outage, which is no "
                            "fault of theirs (workers/parking.py: outages are retried in place)")


SCENARIO = Scenario(
    name=NAME,
    breaks="the live index version unwritable for 10 s mid-stream",
    deadline_s=90.0,
    run=run,
)
