"""The production load balancer (deploy/rabbitmq/haproxy.cfg, compose.yaml's rabbitmq-lb) in front
of the scratch cluster: the same file, run by the installed haproxy, with only what must differ
on one machine changed:

- every `bind :PORT` listens on a free port of 127.0.0.1 instead;
- the AMQP servers `rabbitmq-N` are the scratch nodes (127.0.0.1:their port), which need no DNS;
  the management backend and its frontend go (the scratch nodes run no management UI);
- `balance leastconn` becomes `balance first`: every client lands on the first node, so killing
  that node cuts every client's connection at once, the hardest case.

Health checks, redispatch, retries, timeouts and `on-marked-down shutdown-sessions` are kept as
they are: they are what the node-loss scenario tests.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.processes import free_port
from chaos.chaos_scenario import ChaosError, NotRun

DEPLOYED = Path(__file__).resolve().parents[1] / "deploy" / "rabbitmq" / "haproxy.cfg"
AMQP_PORT = 5672
HEALTH_PORT = 8405
READY_TIMEOUT = 20.0


@dataclass(frozen=True)
class LoadBalancer:
    amqp_port: int
    health_url: str
    config: Path

    def amqp_url(self, user: str = "guest", password: str = "guest") -> str:
        return f"amqp://{user}:{password}@127.0.0.1:{self.amqp_port}/"


def localised(text: str, node_ports: Sequence[int]) -> tuple[str, dict[int, int]]:
    """The deployed config with the changes above; and deployed port -> local port of the binds."""
    sections: list[list[str]] = []
    for line in text.splitlines():
        if line.strip() and not line[0].isspace() and not line.lstrip().startswith("#"):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    servers = {f"rabbitmq-{i}": port for i, port in enumerate(node_ports, 1)}
    dropped = {"resolvers"} | {
        section[0].split()[1] for section in sections
        if section[0].startswith("backend") and any(
            re.match(rf"\s+server\s+\S+\s+\S+:(?!{AMQP_PORT}\b)\d+", line) for line in section)
    }
    binds: dict[int, int] = {}
    kept: list[str] = []
    for section in sections:
        words = section[0].split()
        if words[0] in dropped or words[-1] in dropped or any(
                line.split()[:1] == ["default_backend"] and line.split()[1] in dropped
                for line in section if line.strip()):
            continue
        for line in section:
            kept.append(_localise(line, servers, binds))
    return "\n".join(kept) + "\n", binds


def _localise(line: str, servers: dict[str, int], binds: dict[int, int]) -> str:
    indent = line[:len(line) - len(line.lstrip())]
    words = line.split("#", 1)[0].split()
    if words[:1] == ["bind"]:
        port = int(words[1].rsplit(":", 1)[1])
        binds[port] = free_port()
        return f"{indent}bind 127.0.0.1:{binds[port]}"
    if words[:1] == ["server"]:
        if words[1] not in servers:
            raise ChaosError(f"haproxy.cfg names a server {words[1]} the scratch cluster lacks")
        address = f"127.0.0.1:{servers[words[1]]}"
        return f"{indent}{' '.join(['server', words[1], address, *words[3:]])}"
    if words[:1] == ["default-server"]:
        words = _without(_without(words, "resolvers", 1), "init-addr", 1)
        return indent + " ".join(words)
    if words == ["balance", "leastconn"]:
        return f"{indent}balance first"
    return line


def _without(words: list[str], option: str, arguments: int) -> list[str]:
    if option not in words:
        return words
    at = words.index(option)
    return words[:at] + words[at + 1 + arguments:]


@contextlib.contextmanager
def running(directory: Path, node_ports: Sequence[int]) -> Iterator[LoadBalancer]:
    """haproxy with the localised config, ready (its health URL answers 200); stopped on exit."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise NotRun("haproxy is not installed (the production load balancer; "
                     "`apt-get install haproxy`)")
    text, binds = localised(DEPLOYED.read_text(), node_ports)
    if AMQP_PORT not in binds or HEALTH_PORT not in binds:
        raise ChaosError(f"{DEPLOYED} binds no AMQP ({AMQP_PORT}) or health ({HEALTH_PORT}) port")
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "haproxy.cfg"
    config.write_text(text)
    check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True,
                           text=True, check=False)
    if check.returncode != 0:
        raise ChaosError(f"haproxy refuses the localised config {config}: {check.stderr.strip()}")
    with (directory / "haproxy.log").open("ab") as log:
        popen = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=log,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
    balancer = LoadBalancer(binds[AMQP_PORT], f"http://127.0.0.1:{binds[HEALTH_PORT]}/health",
                            config)
    try:
        _await_healthy(popen, balancer.health_url)
        yield balancer
    finally:
        popen.kill()
        popen.wait(10)


def _await_healthy(popen: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if popen.poll() is not None:
            raise ChaosError(f"haproxy exited with {popen.returncode} at start")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise ChaosError(f"haproxy did not report a live node at {url} in {READY_TIMEOUT:g}s")
        time.sleep(0.1)
