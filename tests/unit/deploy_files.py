"""Reading the load balancer's config and the image's Dockerfile as text, and pyproject.toml."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from tests.unit.compose_files import (
    DOCKERFILE,
    LOAD_BALANCER,
    PYPROJECT,
    ROOT,
    bind_mounts,
    service,
)

# nginx ---------------------------------------------------------------------------------------


def nginx_text() -> str:
    source, _ = bind_mounts(service(LOAD_BALANCER))["/etc/nginx/nginx.conf"]
    path = ROOT / source
    assert path.is_file(), f"{source} is mounted into the load balancer but does not exist"
    return re.sub(r"#[^\n]*", "", path.read_text())


def nginx_block(text: str, header: str) -> str:
    """The body of the first `header { ... }` block (header is a regular expression)."""
    match = re.search(header + r"\s*\{", text)
    assert match, f"nginx.conf has no block matching {header!r}"
    depth, start = 1, match.end()
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i]
    raise AssertionError(f"unbalanced braces after {header!r}")


def nginx_directives(block: str) -> list[list[str]]:
    """The simple directives directly inside a block (nested blocks dropped)."""
    flat = block
    while re.search(r"\{[^{}]*\}", flat):
        flat = re.sub(r"[^;{}]*\{[^{}]*\}", ";", flat)
    return [stmt.split() for stmt in flat.split(";") if stmt.strip()]


def nginx_seconds(value: str) -> float:
    units = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    parts = re.findall(r"(\d+)(ms|s|m|h|d)?", value)
    return sum(float(n) * units[u or "s"] for n, u in parts)


# Dockerfile ----------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
    return instructions


def copied_sources() -> set[str]:
    sources: set[str] = set()
    for keyword, args in dockerfile_instructions():
        if keyword not in ("COPY", "ADD"):
            continue
        words = json.loads(args) if args.startswith("[") else args.split()
        words = [w for w in words if not w.startswith("--")]
        sources.update(w.rstrip("/").removeprefix("./") for w in words[:-1])
    return sources


def pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text())
