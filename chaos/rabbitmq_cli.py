"""Asking the scratch cluster's nodes through RabbitMQ's own CLI (rabbitmqctl), with JSON output."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaos.chaos_scenario import ChaosError

CTL_TIMEOUT = 30.0


@dataclass(frozen=True)
class RabbitMQCli:
    sbin: Path  # where rabbitmqctl is
    env: Mapping[str, str]  # the cookie and the epmd the nodes use
    node_ports: Mapping[int, str]  # AMQP port -> node name

    def ctl(self, node: str, *args: str) -> str:
        """Run `rabbitmqctl -n node args...`; its output, or a ChaosError naming the command."""
        command = [str(self.sbin / "rabbitmqctl"), "-n", node, *args]
        shown = " ".join(command[1:])
        try:
            done = subprocess.run(command, env=dict(self.env), capture_output=True, text=True,
                                  timeout=CTL_TIMEOUT, start_new_session=True, check=False)
        except subprocess.TimeoutExpired:
            raise ChaosError(f"`rabbitmqctl {shown}` did not answer in {CTL_TIMEOUT:g}s") from None
        if done.returncode != 0:
            raise ChaosError(f"`rabbitmqctl {shown}` failed ({done.returncode}): "
                             f"{(done.stderr or done.stdout).strip()[-500:]}")
        return done.stdout

    def ctl_json(self, node: str, *args: str) -> Any:
        return json.loads(self.ctl(node, *args, "--formatter", "json", "--quiet"))

    def running_nodes(self, asking: str) -> set[str]:
        return set(self.ctl_json(asking, "cluster_status").get("running_nodes", []))

    def quorum_members(self, asking: str) -> dict[str, tuple[list[str], str]]:
        """Queue name -> (its quorum members, its leader) for every quorum queue."""
        rows = self.ctl_json(asking, "list_queues", "name", "type", "members", "leader")
        return {row["name"]: (sorted(row.get("members") or []), str(row.get("leader", "")))
                for row in rows if row.get("type") == "quorum"}

    def connections_by_node(self, asking: str) -> dict[str, int]:
        """How many client connections each node holds, cluster-wide (a connection's `port` is
        the AMQP port of the node it reached)."""
        counts = dict.fromkeys(self.node_ports.values(), 0)
        for row in self.ctl_json(asking, "list_connections", "port"):
            counts[self.node_ports[int(row["port"])]] += 1
        return counts
