"""A scratch RabbitMQ cluster on this machine: three nodes of the installed RabbitMQ, each with its
own name, ports and data under the run's directory, and an epmd of their own on a port of its own.
The machine's own node (and its epmd) are never touched: other nodes and other cookies.

The nodes form a cluster the way compose.yaml's do, by classic peer discovery
(deploy/rabbitmq/rabbitmq.conf names the same settings): the first one starts alone, the other two
find it and join. `running` always takes every process down again, on failure and on Ctrl-C too,
and checks that none is left.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.processes import free_port
from chaos.chaos_scenario import ChaosError, NotRun
from chaos.erlang_processes import descendants, kill_all, left_behind
from chaos.rabbitmq_cli import RabbitMQCli

SBIN_CANDIDATES = ("/usr/lib/rabbitmq/bin",)  # Debian's /usr/sbin ones re-run as user rabbitmq
BOOT_TIMEOUT = 60  # seconds for a node to finish booting
PLUGINS = "[rabbitmq_consistent_hash_exchange]."


@dataclass
class Node:
    name: str  # diptych-chaos-N@localhost
    port: int  # AMQP
    dist_port: int
    directory: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Cluster:
    directory: Path
    sbin: Path
    epmd_port: int
    nodes: list[Node]
    epmd: subprocess.Popen[bytes] | None = None
    _children: set[int] = field(default_factory=set)

    # -- asking the nodes -----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """What every node and CLI call shares: the cookie (in HOME), our own epmd, and no
        /etc/rabbitmq/rabbitmq-env.conf (the machine's node's)."""
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))},
            "HOME": str(self.directory / "home"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_CONF_ENV_FILE": str(self.directory / "rabbitmq-env.conf"),
        }

    @property
    def cli(self) -> RabbitMQCli:
        return RabbitMQCli(self.sbin, self.env(), {node.port: node.name for node in self.nodes})

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def alive(self) -> list[Node]:
        return [node for node in self.nodes if node.alive]

    # -- starting and stopping ------------------------------------------------------------------

    def start(self) -> None:
        home = self.directory / "home"
        home.mkdir(parents=True)
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20).upper())
        cookie.chmod(0o400)
        (self.directory / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq's
        (self.directory / "enabled_plugins").write_text(PLUGINS)
        with (self.directory / "epmd.log").open("ab") as log:  # the child keeps its own copy
            self.epmd = subprocess.Popen(
                ["epmd", "-address", "127.0.0.1", "-port", str(self.epmd_port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        first, *others = self.nodes
        self._launch(first)
        self._await_boot(first)
        for node in others:  # they find the first one running and join it
            self._launch(node)
        for node in others:
            self._await_boot(node)
        running = self.cli.running_nodes(first.name)
        if running != {node.name for node in self.nodes}:
            raise ChaosError(f"the nodes did not form one cluster: {sorted(running)} run")

    def kill(self, node: Node) -> None:
        """SIGKILL the node's VM, as a power cut would: no goodbye to its peers or clients."""
        assert node.popen is not None
        self._children |= descendants(node.popen.pid)
        node.popen.send_signal(signal.SIGKILL)
        node.popen.wait(10)

    def stop(self) -> list[str]:
        """Kill every process this cluster started (idempotent); what was still left after."""
        pids: set[int] = set(self._children)
        for node in self.nodes:
            if node.popen is not None:
                pids |= {node.popen.pid, *descendants(node.popen.pid)}
        if self.epmd is not None:
            pids.add(self.epmd.pid)
        kill_all(pids)
        for popen in [node.popen for node in self.nodes] + [self.epmd]:
            if popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    popen.wait(10)
        return left_behind(str(self.directory), pids)

    def _launch(self, node: Node) -> None:
        node.directory.mkdir(parents=True)
        peers = "\n".join(f"cluster_formation.classic_config.nodes.{i} = {peer.name}"
                          for i, peer in enumerate(self.nodes, 1))
        (node.directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{node.port}\n"
            "cluster_formation.peer_discovery_backend = classic_config\n"
            f"{peers}\n"
            # The first node need not wait 5 s for peers that are not started yet.
            "cluster_formation.discovery_retry_limit = 2\n"
            "cluster_formation.discovery_retry_interval = 200\n"
            "cluster_partition_handling = pause_minority\n")
        env = self.env() | {
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_NODE_PORT": str(node.port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_CONFIG_FILE": str(node.directory / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.directory / "advanced.config"),
            "RABBITMQ_MNESIA_BASE": str(node.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.directory / "log"),
            "RABBITMQ_PID_FILE": str(node.directory / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RUNNING_UNDER_SYSTEMD": "true",  # the script execs the VM: its pid is the node's
        }
        with (node.directory / "server.log").open("ab") as output:
            node.popen = subprocess.Popen(
                [str(self.sbin / "rabbitmq-server")], env=env, stdout=output,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def _await_boot(self, node: Node) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            if not node.alive:
                tail = (node.directory / "server.log").read_text(errors="replace")[-1500:]
                raise ChaosError(f"RabbitMQ node {node.name} exited while booting:\n{tail}")
            try:
                self.cli.ctl(node.name, "await_startup", "--timeout", "5")
                return
            except ChaosError:
                if time.monotonic() > deadline:
                    raise ChaosError(f"RabbitMQ node {node.name} did not boot in "
                                     f"{BOOT_TIMEOUT}s (log: {node.directory / 'log'})") from None


def rabbitmq_sbin() -> Path:
    """Where the installed RabbitMQ's own scripts are (rabbitmq-server, rabbitmqctl)."""
    candidates = [os.environ.get("DIPTYCH_CHAOS_RABBITMQ_SBIN", ""), *SBIN_CANDIDATES]
    found = shutil.which("rabbitmq-server")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for candidate in filter(None, candidates):
        if all((Path(candidate) / tool).is_file() for tool in ("rabbitmq-server", "rabbitmqctl")):
            return Path(candidate)
    raise NotRun("RabbitMQ is not installed here (no rabbitmq-server and rabbitmqctl; set "
                 "DIPTYCH_CHAOS_RABBITMQ_SBIN to their directory)")


@contextlib.contextmanager
def running(directory: Path, size: int = 3) -> Iterator[Cluster]:
    """A started cluster of `size` nodes; every one of its processes is gone on exit."""
    if shutil.which("epmd") is None:
        raise NotRun("epmd (Erlang) is not on PATH")
    cluster = Cluster(directory, rabbitmq_sbin(), free_port(), [
        Node(f"diptych-chaos-{i}@localhost", free_port(), free_port(), directory / f"node-{i}")
        for i in range(1, size + 1)
    ])
    atexit.register(cluster.stop)  # even if the interpreter exits past the finally below
    try:
        cluster.start()
        yield cluster
    finally:
        left = cluster.stop()
        atexit.unregister(cluster.stop)
        if left:
            raise ChaosError(f"processes of the scratch cluster survived teardown: {left}")
