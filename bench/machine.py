"""The machine a run ran on, recorded beside its figures."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "SQLAlchemy",
            "aiosqlite", "asyncpg", "tantivy", "aio-pika", "aiohttp")


def describe() -> dict[str, object]:
    return {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None
    return round(pages * page_size / 2**30, 1)


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def summary(machine: dict[str, object]) -> str:
    """One line: CPU, cores, memory, OS and Python."""
    return (f"{machine['cpu']}, {machine['logical_cores']} logical cores "
            f"({machine['usable_cores']} usable), {machine['memory_gib']} GiB, {machine['os']}, "
            f"{machine['python']}")
