"""Work the service runs in the background (the in-process relay) is never silently dead: if it
ends while the process runs, that is logged with its traceback and it starts again."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from diptych.pipeline import run_until_exit


async def test_work_that_crashes_is_logged_and_started_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []
    stopped = asyncio.Event()

    async def relay() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("a bug in the relay")
        await stopped.wait()

    async with contextlib.AsyncExitStack() as stack:
        run_until_exit(stack, "relay", relay, stopped.set, restart_after=0)
        while len(runs) < 2:
            await asyncio.sleep(0)
    assert runs == [0, 1]
    [record] = [r for r in caplog.records if r.name == "diptych.pipeline"]
    assert record.levelno == logging.ERROR and "relay ended" in record.getMessage()
    assert record.exc_info is not None and "a bug in the relay" in str(record.exc_info[1])


async def test_work_stopped_at_exit_is_not_started_again(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []
    stopped = asyncio.Event()

    async def relay() -> None:
        runs.append(1)
        await stopped.wait()

    async with contextlib.AsyncExitStack() as stack:
        run_until_exit(stack, "relay", relay, stopped.set)
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert runs == [1] and not [r for r in caplog.records if r.name == "diptych.pipeline"]
