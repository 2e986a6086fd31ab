"""The production topology's services, checked by structure (tests/unit/compose_files.py reads
them): which processes run, what each reads, who waits for whom, what is published."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.unit.compose_files import (
    LOAD_BALANCER,
    LOCAL_HOSTS,
    LONG_RUNNING,
    PROCESSES,
    RABBITMQ_LB,
    RABBITMQ_NODES,
    SHARDS,
    compose,
    depends_on,
    diptych_services,
    environment,
    healthcheck_command,
    named_volumes,
    published_ports,
    seconds,
    service,
    services,
)
from tests.unit.deploy_files import pyproject

# ---------------------------------------------------------------------------------------------
# The compose file
# ---------------------------------------------------------------------------------------------


def test_every_service_has_an_image_or_a_build() -> None:
    missing = [
        name for name, svc in services().items() if not (svc.get("image") or svc.get("build"))
    ]
    assert not missing


def test_the_diptych_processes_are_migrate_api_relay_and_projector_from_one_image() -> None:
    built = diptych_services()
    assert set(built) == set(PROCESSES)
    assert len({svc.get("image") for svc in built.values()}) == 1, "one image for all processes"


@pytest.mark.parametrize("name", PROCESSES)
def test_each_diptych_process_runs_its_own_command(name: str) -> None:
    command = service(name).get("command")
    if isinstance(command, str):
        command = command.split()
    assert command == PROCESSES[name][0]


@pytest.mark.parametrize("name", PROCESSES)
def test_each_diptych_process_gets_exactly_the_settings_it_needs(name: str) -> None:
    assert set(environment(service(name))) == PROCESSES[name][1]


def test_no_setting_of_any_service_points_at_localhost() -> None:
    for name, svc in services().items():
        for variable, value in environment(svc).items():
            if "://" in value:
                host = urlsplit(value).hostname
                assert host not in LOCAL_HOSTS, f"{name}: {variable} points at {host}"
            if variable == "DIPTYCH_ALLOWED_HOSTS":
                continue  # the names clients reach nginx by, not a server the process calls
            assert not any(h in value for h in ("localhost", "127.0.0.1")), f"{name}: {variable}"


@pytest.mark.parametrize("name", PROCESSES)
def test_every_url_names_a_service_the_process_waits_for_until_it_is_healthy(name: str) -> None:
    svc = service(name)
    for variable, value in environment(svc).items():
        if "://" not in value:
            continue
        host = urlsplit(value).hostname
        assert host in services(), f"{name}: {variable} names {host}, which is no service"
        assert depends_on(svc).get(host) == "service_healthy", f"{name} must wait for {host}"


def test_processes_that_share_a_setting_give_it_the_same_value() -> None:
    values: dict[str, set[str]] = {}
    for name in PROCESSES:
        for variable, value in environment(service(name)).items():
            values.setdefault(variable, set()).add(value)
    differing = {variable: found for variable, found in values.items() if len(found) > 1}
    assert not differing, "e.g. relay and projector must agree on DIPTYCH_SHARDS"


def test_the_shard_count_is_a_positive_number() -> None:
    assert int(environment(service("projector"))[SHARDS]) >= 1


def test_the_api_runs_two_replicas_and_publishes_no_port() -> None:
    api = service("api")
    assert (api.get("deploy") or {}).get("replicas") == 2
    assert not api.get("ports"), "clients reach the API through the load balancer only"
    assert "container_name" not in api, "a fixed container name cannot be scaled"


def test_the_load_balancer_publishes_the_one_public_port() -> None:
    assert published_ports(service(LOAD_BALANCER)) == [("", "8000", "80")]


def test_nothing_else_is_published_but_the_management_ui_on_loopback() -> None:
    published = {
        name: published_ports(svc)
        for name, svc in services().items()
        if name != LOAD_BALANCER and svc.get("ports")
    }
    assert published == {RABBITMQ_LB: [("127.0.0.1", "15672", "15672")]}


def test_depends_on_conditions_name_services_that_can_satisfy_them() -> None:
    for name, svc in services().items():
        for dependency, condition in depends_on(svc).items():
            assert dependency in services(), f"{name} depends on a missing {dependency}"
            target = service(dependency)
            if condition == "service_healthy":
                assert healthcheck_command(target), f"{dependency} has no healthcheck ({name})"
            elif condition == "service_completed_successfully":
                assert target.get("restart", "no") == "no", f"{dependency} must be one-shot"
            else:
                raise AssertionError(f"{name} waits for {dependency} with {condition!r}")


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_process_waits_for_the_migration_to_succeed(name: str) -> None:
    assert depends_on(service(name)).get("migrate") == "service_completed_successfully"


def test_the_migration_runs_once_after_postgres_is_healthy() -> None:
    migrate = service("migrate")
    assert migrate.get("restart", "no") == "no"
    assert (migrate.get("deploy") or {}).get("replicas", 1) == 1
    assert depends_on(migrate) == {"postgres": "service_healthy"}


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_process_restarts_and_has_time_to_stop_gracefully(name: str) -> None:
    svc = service(name)
    assert svc.get("restart") == "unless-stopped"
    assert seconds(str(svc.get("stop_grace_period", "10s"))) >= 20
    assert svc.get("init") is True, "an init as PID 1 passes SIGTERM on to diptych"


def test_the_api_is_health_checked_on_its_health_endpoint_without_curl() -> None:
    command = healthcheck_command(service("api"))
    assert "http://127.0.0.1:8000/health" in command
    assert "urllib" in command and "curl" not in command, "the slim image has no curl"


@pytest.mark.parametrize(
    ("name", "probe"),
    [
        ("postgres", "pg_isready"),
        *((node, "rabbitmq-diagnostics") for node in RABBITMQ_NODES),
        (RABBITMQ_LB, "/health"),
        ("elasticsearch", "_cluster/health?wait_for_status=yellow"),
        ("redis", "ping"),
    ],
)
def test_each_backing_service_is_health_checked_by_asking_the_server(name: str, probe: str) -> None:
    assert probe in healthcheck_command(service(name))


@pytest.mark.parametrize(
    ("name", "data_dir"),
    [
        ("postgres", "/var/lib/postgresql/data"),
        *((node, "/var/lib/rabbitmq") for node in RABBITMQ_NODES),
        ("elasticsearch", "/usr/share/elasticsearch/data"),
    ],
)
def test_each_backing_service_keeps_its_data_in_a_named_volume(name: str, data_dir: str) -> None:
    volume = named_volumes(service(name)).get(data_dir)
    assert volume is not None, f"{name} keeps {data_dir} in the container only"
    assert volume in (compose().get("volumes") or {}), f"volume {volume} is not declared"


def test_elasticsearch_runs_as_one_node_with_security_and_heap_stated_explicitly() -> None:
    env = environment(service("elasticsearch"))
    assert env.get("discovery.type") == "single-node"
    assert env.get("xpack.security.enabled") in ("true", "false")
    heap = dict(re.findall(r"-Xm([sx])(\S+)", env.get("ES_JAVA_OPTS", "")))
    assert heap.get("s") and heap.get("s") == heap.get("x"), "set -Xms and -Xmx to one size"


def test_the_elasticsearch_server_is_not_older_than_the_client() -> None:
    image = str(service("elasticsearch")["image"])
    server = re.fullmatch(r"docker\.elastic\.co/elasticsearch/elasticsearch:(\d+)\.(\d+)\.\d+",
                          image)
    assert server, f"pin an exact Elasticsearch version, got {image!r}"
    pins = [re.fullmatch(r"elasticsearch(\[.*\])?==(\d+)\.(\d+)\..*", d) for d in
            pyproject()["project"]["dependencies"]]
    client = next(pin for pin in pins if pin)
    assert int(server[1]) == int(client[2]), "server and client share a major version"
    assert int(server[2]) >= int(client[3]), "the client speaks to its own minor version or newer"
