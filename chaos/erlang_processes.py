"""Finding and ending the OS processes a scratch node leaves around it, from /proc (Linux).

An Erlang VM starts helpers in sessions of their own (erl_child_setup, inet_gethost), so killing
the VM's process group does not reach them: they are found by parent, before the VM dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")
GONE_TIMEOUT = 10.0


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process now."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                # The command name (2nd field) is in parentheses and may hold spaces.
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, however deep."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie is dead, waiting for its parent to reap it


def kill_all(pids: set[int]) -> None:
    """SIGKILL each process still alive, and wait (a bounded time) until all are gone."""
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + GONE_TIMEOUT
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def left_behind(marker: str, known: set[int]) -> list[str]:
    """Processes still alive that are ours: one of `known`, or one whose command line or
    environment names `marker` (the scratch directory). Each as "pid command"."""
    left = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        if _alive(pid) and (pid in known or marker in command
                            or marker.encode() in environment):
            left.append(f"{pid} {command.strip()[:120]}")
    return left
