"""The chaos harness's scratch RabbitMQ (chaos/rabbitmq_cluster.py) on the installed RabbitMQ: one
node, the cheapest cluster there is (`make chaos` runs three), started and always taken down
again, leaving no Erlang process behind and the machine's own node untouched. Skipped where
RabbitMQ is not installed, failed so in CI (which runs RabbitMQ)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from bench.processes import free_port
from chaos import rabbitmq_cluster
from chaos.chaos_scenario import ChaosError, NotRun
from chaos.erlang_processes import left_behind


def _installed() -> None:
    try:
        rabbitmq_cluster.rabbitmq_sbin()
    except NotRun as reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs RabbitMQ, so it must be installed: {reason}")
        pytest.skip(str(reason))


def test_a_scratch_node_serves_and_leaves_no_process_behind(tmp_path: Path) -> None:
    _installed()
    directory = tmp_path / "rabbitmq"
    with rabbitmq_cluster.running(directory, size=1) as cluster:
        (node,) = cluster.nodes
        assert cluster.cli.running_nodes(node.name) == {node.name}
        assert cluster.cli.connections_by_node(node.name) == {node.name: 0}
        pids = {node.popen.pid} if node.popen else set()
        assert pids and left_behind(str(directory), pids)
    assert not node.alive
    assert left_behind(str(directory), pids) == []


def test_a_node_that_cannot_boot_is_reported_and_everything_is_still_torn_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed()
    directory = tmp_path / "rabbitmq"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        # Ports are drawn in order: epmd's, then the node's AMQP port (this one is taken), then
        # its distribution port.
        ports = iter([free_port(), taken.getsockname()[1], free_port()])
        monkeypatch.setattr(rabbitmq_cluster, "free_port", lambda: next(ports))
        booting = rabbitmq_cluster.running(directory, size=1)
        with pytest.raises(ChaosError, match="exited while booting"), booting as cluster:
            raise AssertionError(f"a node on a taken port booted: {cluster}")
    assert left_behind(str(directory), set()) == []
