"""The production topology's secrets, load balancer, RabbitMQ plugins and image, checked by
structure (tests/unit/compose_files.py reads them)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.unit.compose_files import (
    _REFERENCE,
    AMQP,
    DATABASE,
    EXAMPLE_ENV,
    FILLER,
    LOAD_BALANCER,
    RABBITMQ_NODES,
    ROOT,
    MissingVariable,
    bind_mounts,
    environment,
    interpolate_tree,
    raw_compose,
    read_env_file,
    referenced_variables,
    service,
    strings_in,
)
from tests.unit.deploy_files import (
    copied_sources,
    dockerfile_instructions,
    nginx_block,
    nginx_directives,
    nginx_seconds,
    nginx_text,
    pyproject,
)

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


@pytest.mark.parametrize("node", RABBITMQ_NODES)
def test_the_passwords_reach_the_backends_and_the_urls_alike(node: str) -> None:
    postgres = environment(service("postgres"))["POSTGRES_PASSWORD"]
    rabbitmq = environment(service(node))["RABBITMQ_DEFAULT_PASS"]
    api = environment(service("api"))
    assert urlsplit(api[DATABASE]).password == postgres
    assert urlsplit(api[AMQP]).password == rabbitmq
    assert urlsplit(api[DATABASE]).username == environment(service("postgres"))["POSTGRES_USER"]
    assert urlsplit(api[AMQP]).username == environment(service(node))["RABBITMQ_DEFAULT_USER"]


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


@pytest.mark.parametrize("node", RABBITMQ_NODES)
def test_rabbitmq_enables_the_consistent_hash_exchange_and_the_management_ui(node: str) -> None:
    source, read_only = bind_mounts(service(node))["/etc/rabbitmq/enabled_plugins"]
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
