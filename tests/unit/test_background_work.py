"""Work the service runs in the background (the in-process relay) is never silently dead: if it
ends while the process runs, that is logged with its traceback and it starts again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from diptych.pipeline import in_background, run_until_exit


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


async def test_several_loops_stop_at_exit_without_reading_as_crashes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The projector's process runs several loops (source reports, parked replay, direct
    sync...): the first one stopped at exit must not end the others before their own stop."""
    ran: list[str] = []

    def loop(name: str) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
        async def run(stop: asyncio.Event) -> None:
            ran.append(name)
            await stop.wait()

        return run

    async with contextlib.AsyncExitStack() as stack:
        for name in ("reports", "replay", "direct sync"):
            in_background(stack, name, loop(name))
        while len(ran) < 3:
            await asyncio.sleep(0)
    assert sorted(ran) == ["direct sync", "replay", "reports"]  # each once: none restarted
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
