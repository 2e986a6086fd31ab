"""The RabbitMQ cluster of the production topology, checked by structure: three nodes that form one
cluster and replicate every quorum queue on all three, and the load balancer through which the
Diptych processes reach whichever nodes are up. (`python -m chaos rabbitmq-node-loss` checks the
behaviour: it runs the same haproxy.cfg in front of real nodes and kills one mid-stream.)"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.unit.compose_files import (
    AMQP,
    EXAMPLE_ENV,
    FILLER,
    PROCESSES,
    RABBITMQ_LB,
    RABBITMQ_NODES,
    MissingVariable,
    depends_on,
    environment,
    healthcheck_command,
    interpolate_tree,
    named_volumes,
    published_ports,
    raw_compose,
    read_env_file,
    service,
    services,
)
from tests.unit.rabbitmq_cluster_files import (
    HAPROXY_CONFIG,
    backend_of,
    directive,
    haproxy_seconds,
    haproxy_sections,
    mounted,
    node_config_mounts,
    rabbitmq_conf,
    servers,
)

COOKIE = "RABBITMQ_ERLANG_COOKIE"
AMQP_HEARTBEAT = 60.0  # seconds, the broker's default that aio-pika accepts


def _cluster_conf() -> dict[str, str]:
    (path,) = set(node_config_mounts(RABBITMQ_NODES[0]).values())
    return rabbitmq_conf(path)


def _haproxy() -> dict[tuple[str, str], list[list[str]]]:
    return haproxy_sections(mounted(RABBITMQ_LB, HAPROXY_CONFIG))


# ---------------------------------------------------------------------------------------------
# The nodes
# ---------------------------------------------------------------------------------------------


def test_rabbitmq_runs_as_three_nodes_of_one_image_each_with_a_fixed_hostname() -> None:
    nodes = {name: svc for name, svc in services().items()
             if str(svc.get("image", "")).startswith("rabbitmq:")}
    assert set(nodes) == set(RABBITMQ_NODES)
    assert len({svc["image"] for svc in nodes.values()}) == 1, "one RabbitMQ version in a cluster"
    # The node is rabbit@<hostname>: a changing hostname would orphan its data and its peers.
    assert {name: svc.get("hostname") for name, svc in nodes.items()} == {n: n for n in nodes}


def test_every_node_keeps_its_data_in_a_volume_of_its_own() -> None:
    volumes = [named_volumes(service(node)).get("/var/lib/rabbitmq") for node in RABBITMQ_NODES]
    assert None not in volumes and len(set(volumes)) == len(RABBITMQ_NODES)


def test_the_nodes_share_one_erlang_cookie_that_must_be_set_in_the_env_file() -> None:
    cookies = {environment(service(node)).get(COOKIE) for node in RABBITMQ_NODES}
    assert len(cookies) == 1 and None not in cookies, "nodes with other cookies cannot cluster"
    example = read_env_file(EXAMPLE_ENV)
    assert example.get(COOKIE) == "", "example.env must name the cookie and ship none"
    env = {name: value or FILLER for name, value in example.items()} | {COOKIE: ""}
    with pytest.raises(MissingVariable, match=COOKIE):
        interpolate_tree(raw_compose(), env)


def test_every_node_reads_the_same_cluster_config_file() -> None:
    mounts = [node_config_mounts(node) for node in RABBITMQ_NODES]
    assert all(len(found) == 1 for found in mounts), "one cluster file in conf.d per node"
    assert len({path for found in mounts for path in found.values()}) == 1


def test_peer_discovery_names_exactly_the_nodes_of_the_compose_file() -> None:
    conf = _cluster_conf()
    assert conf.get("cluster_formation.peer_discovery_backend") in (
        "classic_config", "rabbit_peer_discovery_classic_config")
    listed = {value for key, value in conf.items()
              if key.startswith("cluster_formation.classic_config.nodes.")}
    assert listed == {f"rabbit@{service(node)['hostname']}" for node in RABBITMQ_NODES}


def test_a_node_cut_off_from_the_others_stops_instead_of_serving_alone() -> None:
    assert _cluster_conf().get("cluster_partition_handling") == "pause_minority"


def test_quorum_queues_are_grown_to_a_replica_on_every_node() -> None:
    conf = _cluster_conf()
    assert conf.get("quorum_queue.continuous_membership_reconciliation.enabled") == "true"
    size = conf.get("quorum_queue.continuous_membership_reconciliation.target_group_size")
    assert size == str(len(RABBITMQ_NODES))


# ---------------------------------------------------------------------------------------------
# The load balancer
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in PROCESSES if AMQP in PROCESSES[n][1]])
def test_the_diptych_processes_reach_rabbitmq_only_through_the_load_balancer(name: str) -> None:
    url = urlsplit(environment(service(name))[AMQP])
    assert (url.hostname, url.port) == (RABBITMQ_LB, 5672)
    assert not set(depends_on(service(name))) & set(RABBITMQ_NODES), "a node may be down"


@pytest.mark.parametrize(("port", "what"), [("5672", "AMQP"), ("15672", "management")])
def test_the_load_balancer_sends_each_port_to_every_node(port: str, what: str) -> None:
    sections = _haproxy()
    backend = sections[("backend", backend_of(sections, port))]
    addresses = {name: options[0] for name, options in servers(backend).items()}
    assert addresses == {node: f"{service(node)['hostname']}:{port}" for node in RABBITMQ_NODES}


def test_the_load_balancer_checks_the_nodes_and_closes_connections_through_a_dead_one() -> None:
    sections = _haproxy()
    backend = sections[("backend", backend_of(sections, "5672"))]
    options = directive(backend, "default-server")
    assert "check" in options
    assert options[options.index("on-marked-down") + 1] == "shutdown-sessions", (
        "a vanished node sends no reset: without this, clients wait for a heartbeat timeout")
    assert ["option", "redispatch"] in backend and int(directive(backend, "retries")[0]) >= 1


def test_the_load_balancer_keeps_idle_amqp_connections_open_past_the_heartbeat() -> None:
    defaults = _haproxy()[("defaults", "")]
    assert directive(defaults, "mode") == ["tcp"]
    for side in ("client", "server"):
        assert haproxy_seconds(directive(defaults, "timeout", side)[0]) > AMQP_HEARTBEAT


def test_the_load_balancer_is_healthy_while_one_node_is_up() -> None:
    sections = _haproxy()
    command = healthcheck_command(service(RABBITMQ_LB))
    url = urlsplit(next(word for word in command.split() if word.startswith("http://")))
    health = sections[("frontend", next(
        name for (kind, name), ds in sections.items()
        if kind == "frontend" and ["bind", f":{url.port}"] in ds))]
    assert directive(health, "monitor-uri") == [url.path]
    amqp = backend_of(sections, "5672")
    assert directive(health, "monitor", "fail", "if") == ["{", f"nbsrv({amqp})", "lt", "1", "}"]


def test_the_load_balancer_starts_once_every_node_is_healthy() -> None:
    # So the first process declares every quorum queue with a replica on each of the three.
    assert depends_on(service(RABBITMQ_LB)) == {node: "service_healthy" for node in RABBITMQ_NODES}


def test_the_management_ui_is_published_on_loopback_by_the_load_balancer_only() -> None:
    assert published_ports(service(RABBITMQ_LB)) == [("127.0.0.1", "15672", "15672")]
    assert not any(service(node).get("ports") for node in RABBITMQ_NODES)
