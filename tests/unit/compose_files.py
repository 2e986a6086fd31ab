"""Reading the production topology (compose.yaml, deploy/, the Dockerfile) the way the tools
would: compose.yaml parsed with PyYAML (anchors and merge keys resolved), its `${...}` references
filled in from deploy/example.env as `docker compose` would with a `.env` copied from it; the
nginx config, the RabbitMQ plugin file and the Dockerfile read as text. No Docker needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
EXAMPLE_ENV = ROOT / "deploy" / "example.env"
DOCKERFILE = ROOT / "Dockerfile"
PYPROJECT = ROOT / "pyproject.toml"

DATABASE = "DIPTYCH_DATABASE_URL"
AMQP = "DIPTYCH_AMQP_URL"
ELASTICSEARCH = "DIPTYCH_ELASTICSEARCH_URL"
SHARDS = "DIPTYCH_SHARDS"
CONSISTENCY_TIMEOUT = "DIPTYCH_CONSISTENCY_TIMEOUT"

# The Diptych processes: their command and the settings each one reads, no more, no fewer.
# Every process that talks to RabbitMQ declares the shard queues, so each of them gets SHARDS.
PROCESSES: dict[str, tuple[list[str], set[str]]] = {
    "migrate": (["diptych", "migrate"], {DATABASE}),
    "api": (
        ["diptych", "serve", "--host", "0.0.0.0", "--port", "8000"],
        {DATABASE, AMQP, ELASTICSEARCH, SHARDS, CONSISTENCY_TIMEOUT, "DIPTYCH_ALLOWED_HOSTS",
         "DIPTYCH_ALLOWED_ORIGINS", "DIPTYCH_JWT_JWKS_URL", "DIPTYCH_JWT_ISSUER",
         "DIPTYCH_JWT_AUDIENCE", "DIPTYCH_FORWARDED_ALLOW_IPS", "DIPTYCH_REDIS_URL"},
    ),
    "relay": (["diptych", "worker", "relay"], {DATABASE, AMQP, SHARDS}),
    "projector": (["diptych", "worker", "projector"], {DATABASE, AMQP, ELASTICSEARCH, SHARDS}),
}
LONG_RUNNING = ["api", "relay", "projector"]
LOAD_BALANCER = "lb"
# RabbitMQ: a cluster of three nodes, which the Diptych processes reach through one load balancer.
RABBITMQ_NODES = ("rabbitmq-1", "rabbitmq-2", "rabbitmq-3")
RABBITMQ_LB = "rabbitmq-lb"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}
# A filler for required variables that example.env leaves empty (the passwords).
FILLER = "examplesecret"

# ---------------------------------------------------------------------------------------------
# Reading the files
# ---------------------------------------------------------------------------------------------

_REFERENCE = re.compile(
    r"\$(?:\$|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(LookupError):
    pass


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `$$`."""

    def replace(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name = match["braced"] or match["bare"]
        value = env.get(name)
        op, arg = match["op"], match["arg"]
        if op is None and arg:
            raise ValueError(f"unsupported interpolation {match[0]!r}")
        unset = value is None or (value == "" and op is not None and op.startswith(":"))
        if op is not None and op.endswith("-") and unset:
            return arg
        if op is not None and op.endswith("?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        return value or ""

    return _REFERENCE.sub(replace, text)


def interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    return node


def strings_in(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_in(value)]
    return []


def referenced_variables(node: Any) -> set[str]:
    return {
        m["braced"] or m["bare"]
        for text in strings_in(node)
        for m in _REFERENCE.finditer(text)
        if m[0] != "$$"
    }


def read_env_file(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


@cache
def raw_compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict), "compose.yaml must be a mapping"
    return loaded


@cache
def compose() -> dict[str, Any]:
    """compose.yaml as `docker compose` sees it with a .env made from deploy/example.env."""
    env = {name: value or FILLER for name, value in read_env_file(EXAMPLE_ENV).items()}
    interpolated = interpolate_tree(raw_compose(), env)
    assert isinstance(interpolated, dict)
    return interpolated


def services() -> dict[str, dict[str, Any]]:
    found = compose().get("services")
    assert isinstance(found, dict) and found, "compose.yaml defines no services"
    return found


def service(name: str) -> dict[str, Any]:
    assert name in services(), f"compose.yaml has no service {name!r}"
    return services()[name]


def environment(svc: Mapping[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        pairs = [str(item).partition("=") for item in env]
        return {name: value for name, _, value in pairs}
    return {str(name): "" if value is None else str(value) for name, value in env.items()}


def depends_on(svc: Mapping[str, Any]) -> dict[str, str]:
    """Dependency name -> condition (the short list form means `service_started`)."""
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):
        return {str(name): "service_started" for name in deps}
    return {
        str(name): str((spec or {}).get("condition", "service_started"))
        for name, spec in deps.items()
    }


def published_ports(svc: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(host ip, host port, container port) of every published port; host ip "" means all."""
    ports: list[tuple[str, str, str]] = []
    for port in svc.get("ports") or []:
        if isinstance(port, dict):
            published = str(port.get("published", ""))
            ports.append((str(port.get("host_ip", "")), published, str(port["target"])))
            continue
        parts = str(port).split("/")[0].rsplit(":", 2)
        if len(parts) == 1:
            ports.append(("", "", parts[0]))  # an ephemeral host port
        elif len(parts) == 2:
            ports.append(("", parts[0], parts[1]))
        else:
            ports.append((parts[0], parts[1], parts[2]))
    return ports


def bind_mounts(svc: Mapping[str, Any]) -> dict[str, tuple[str, bool]]:
    """Container path -> (host path relative to the repo, read-only) for every bind mount."""
    mounts: dict[str, tuple[str, bool]] = {}
    for volume in svc.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                source = str(volume["source"])
                mounts[str(volume["target"])] = (source, bool(volume.get("read_only")))
            continue
        source, _, rest = str(volume).partition(":")
        target, _, mode = rest.partition(":")
        if source.startswith((".", "/")):
            mounts[target] = (source, "ro" in mode.split(","))
    return mounts


def named_volumes(svc: Mapping[str, Any]) -> dict[str, str]:
    """Container path -> volume name for every named volume."""
    mounts: dict[str, str] = {}
    for volume in svc.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") == "volume":
                mounts[str(volume["target"])] = str(volume["source"])
            continue
        source, _, rest = str(volume).partition(":")
        if rest and not source.startswith((".", "/", "~")):
            mounts[rest.partition(":")[0]] = source
    return mounts


def seconds(duration: str) -> float:
    """A compose duration (`30s`, `1m30s`, `1h`) in seconds."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration!r}"
    return sum(float(n) * units[u] for n, u in parts)


def healthcheck_command(svc: Mapping[str, Any]) -> str:
    check = svc.get("healthcheck") or {}
    test = check.get("test")
    if check.get("disable") or not test or test == ["NONE"]:
        return ""
    return " ".join(test) if isinstance(test, list) else str(test)


def diptych_services() -> dict[str, dict[str, Any]]:
    """The services built from this repository's Dockerfile."""

    def built_here(svc: Mapping[str, Any]) -> bool:
        build = svc.get("build")
        context = build.get("context", ".") if isinstance(build, dict) else build
        return context in (".", "./")

    return {name: svc for name, svc in services().items() if built_here(svc)}
