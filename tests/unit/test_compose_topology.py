"""The production topology (compose.yaml and deploy/), checked by structure: no Docker needed.

compose.yaml is parsed with PyYAML (anchors and merge keys resolved) and its `${...}` references
are filled in from deploy/example.env, as `docker compose` would with a `.env` copied from it.
The nginx config, the RabbitMQ plugin file and the Dockerfile are read as text.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
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
    assert published == {"rabbitmq": [("127.0.0.1", "15672", "15672")]}


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
        ("rabbitmq", "rabbitmq-diagnostics"),
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
        ("rabbitmq", "/var/lib/rabbitmq"),
        ("elasticsearch", "/usr/share/elasticsearch/data"),
    ],
)
def test_each_backing_service_keeps_its_data_in_a_named_volume(name: str, data_dir: str) -> None:
    volume = named_volumes(service(name)).get(data_dir)
    assert volume is not None, f"{name} keeps {data_dir} in the container only"
    assert volume in (compose().get("volumes") or {}), f"volume {volume} is not declared"


def test_rabbitmq_keeps_a_fixed_node_name_so_its_volume_stays_its_own() -> None:
    assert service("rabbitmq").get("hostname")


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


# ---------------------------------------------------------------------------------------------
# Secrets and variables
# ---------------------------------------------------------------------------------------------


def test_every_variable_the_compose_file_reads_is_documented_in_the_example_env() -> None:
    undocumented = referenced_variables(raw_compose()) - set(read_env_file(EXAMPLE_ENV))
    assert not undocumented


def test_compose_refuses_to_start_until_the_passwords_are_set() -> None:
    example = read_env_file(EXAMPLE_ENV)
    passwords = {name for name in referenced_variables(raw_compose()) if "PASSWORD" in name}
    assert passwords, "compose.yaml should take its passwords from variables"
    for password in passwords:
        assert example.get(password, "") == "", f"example.env must not ship a {password}"
        env = {name: value or FILLER for name, value in example.items()} | {password: ""}
        with pytest.raises(MissingVariable, match=password):
            interpolate_tree(raw_compose(), env)


def test_no_password_has_a_default_anywhere_in_the_compose_file() -> None:
    for text in strings_in(raw_compose()):
        for reference in _REFERENCE.finditer(text):
            if "PASSWORD" in (reference["braced"] or reference["bare"] or ""):
                assert (reference["op"] or "").endswith("?"), f"{reference[0]} must be required"


def test_the_passwords_reach_the_backends_and_the_urls_alike() -> None:
    postgres = environment(service("postgres"))["POSTGRES_PASSWORD"]
    rabbitmq = environment(service("rabbitmq"))["RABBITMQ_DEFAULT_PASS"]
    api = environment(service("api"))
    assert urlsplit(api[DATABASE]).password == postgres
    assert urlsplit(api[AMQP]).password == rabbitmq
    assert urlsplit(api[DATABASE]).username == environment(service("postgres"))["POSTGRES_USER"]
    assert urlsplit(api[AMQP]).username == environment(service("rabbitmq"))["RABBITMQ_DEFAULT_USER"]


# ---------------------------------------------------------------------------------------------
# The load balancer
# ---------------------------------------------------------------------------------------------


def test_the_load_balancer_config_is_mounted_read_only() -> None:
    source, read_only = bind_mounts(service(LOAD_BALANCER))["/etc/nginx/nginx.conf"]
    assert (ROOT / source).is_file() and read_only


def _proxy_target(text: str, directives: list[list[str]]) -> str:
    """Where a location proxies to, following a `set $variable value` at server level."""
    target = next(d[1] for d in directives if d[0] == "proxy_pass")
    if target.startswith("$"):
        server = nginx_directives(nginx_block(text, r"\bserver"))
        target = next(d[2] for d in server if d[:2] == ["set", target])
    return target


def test_the_load_balancer_proxies_graphql_to_the_api_with_websocket_upgrade() -> None:
    text = nginx_text()
    graphql = nginx_directives(nginx_block(text, r"location\s+(\^~\s+)?/graphql"))
    assert _proxy_target(text, graphql) == "http://api:8000"
    assert ["proxy_http_version", "1.1"] in graphql
    assert ["proxy_set_header", "Upgrade", "$http_upgrade"] in graphql
    connection = next(d[2] for d in graphql if d[:2] == ["proxy_set_header", "Connection"])
    if connection.startswith("$"):  # set by `map $http_upgrade $connection_upgrade { ... }`
        mapping = nginx_block(text, r"map\s+\$http_upgrade\s+" + re.escape(connection))
        entries = {entry[0]: entry[1] for entry in nginx_directives(mapping)}
        assert entries.get("default") == "upgrade", "a request with Upgrade gets `upgrade`"
    else:
        assert connection.strip("\"'").lower() == "upgrade"
    read_timeout = next(d[1] for d in graphql if d[0] == "proxy_read_timeout")
    assert nginx_seconds(read_timeout) >= 600, "subscriptions stay open for a long time"


def test_the_load_balancer_re_resolves_the_api_so_every_replica_gets_traffic() -> None:
    text = nginx_text()
    resolver = next(d for d in nginx_directives(nginx_block(text, r"\bhttp")) if d[0] == "resolver")
    assert resolver[1] == "127.0.0.11"
    assert any(arg.startswith("valid=") for arg in resolver[2:])
    graphql = nginx_directives(nginx_block(text, r"location\s+(\^~\s+)?/graphql"))
    proxy_pass = next(d[1] for d in graphql if d[0] == "proxy_pass")
    assert proxy_pass.startswith("$"), "a literal host is resolved once, at start"


# ---------------------------------------------------------------------------------------------
# RabbitMQ plugins
# ---------------------------------------------------------------------------------------------


def test_rabbitmq_enables_the_consistent_hash_exchange_and_the_management_ui() -> None:
    source, read_only = bind_mounts(service("rabbitmq"))["/etc/rabbitmq/enabled_plugins"]
    path = ROOT / source
    assert path.is_file() and read_only
    term = re.fullmatch(r"\s*\[([a-z0-9_,\s]*)\]\.\s*", path.read_text())
    assert term, "enabled_plugins must be one Erlang list ending in a full stop"
    plugins = {plugin.strip() for plugin in term[1].split(",")}
    assert {"rabbitmq_consistent_hash_exchange", "rabbitmq_management"} <= plugins


# ---------------------------------------------------------------------------------------------
# The image
# ---------------------------------------------------------------------------------------------


def test_the_image_contains_every_package_pyproject_installs() -> None:
    include = pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.split(".")[0].rstrip("*") for pattern in include}
    assert packages and all((ROOT / package).is_dir() for package in packages)
    assert packages <= copied_sources()


def test_neither_the_package_nor_the_image_ships_the_benchmark_harness() -> None:
    find = pyproject()["tool"]["setuptools"]["packages"]["find"]
    assert not any("bench".startswith(pattern.rstrip("*")) for pattern in find["include"])
    assert "bench*" in find["exclude"]
    assert not any(source.split("/")[0] in ("bench", ".") for source in copied_sources())


def test_the_image_contains_what_pip_needs_to_build_the_project() -> None:
    assert {"pyproject.toml", pyproject()["project"]["readme"]} <= copied_sources()


def test_the_image_installs_the_project_and_runs_it_as_an_unprivileged_user() -> None:
    instructions = dockerfile_instructions()
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    assert any(re.search(r"pip install\b[^&;|]*\s\.(\s|$)", run) for run in runs)
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("EXPOSE", "8000") in instructions
