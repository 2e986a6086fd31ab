"""Reading the RabbitMQ cluster's files the way their tools would: the nodes' rabbitmq.conf
(`key = value` lines, RabbitMQ's sysctl-like format) and the load balancer's haproxy.cfg (sections
of directives), each found through the mount compose.yaml gives it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.compose_files import ROOT, bind_mounts, service

HAPROXY_CONFIG = "/usr/local/etc/haproxy/haproxy.cfg"  # where the haproxy image reads it
CONF_D = "/etc/rabbitmq/conf.d/"  # the image reads every *.conf file here, after its defaults

Directives = list[list[str]]


def mounted(service_name: str, target: str) -> Path:
    """The repository file compose.yaml mounts read-only at `target` in the service."""
    mounts = bind_mounts(service(service_name))
    assert target in mounts, f"{service_name} does not mount anything at {target}"
    source, read_only = mounts[target]
    assert read_only, f"{service_name} mounts {source} writable"
    path = ROOT / source
    assert path.is_file(), f"{service_name} mounts {source}, which does not exist"
    return path


def node_config_mounts(node: str) -> dict[str, Path]:
    """Container path -> repository file of every RabbitMQ config file a node reads from conf.d."""
    return {
        target: mounted(node, target)
        for target in bind_mounts(service(node))
        if target.startswith(CONF_D) and target.endswith(".conf")
    }


def rabbitmq_conf(path: Path) -> dict[str, str]:
    """`key = value` lines; comments and blank lines skipped; a key set twice is an error."""
    settings: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, equals, value = line.partition("=")
        assert equals, f"{path.name}:{number}: not a `key = value` line"
        assert key.strip() not in settings, f"{path.name}:{number}: {key.strip()} set twice"
        settings[key.strip()] = value.strip()
    return settings


def haproxy_sections(path: Path) -> dict[tuple[str, str], Directives]:
    """(section kind, name) -> its directives, each split into words; `global` and `defaults`
    have the name ""."""
    sections: dict[tuple[str, str], Directives] = {}
    current: Directives | None = None
    for line in path.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if not line[0].isspace():
            key = (words[0], words[1] if len(words) > 1 else "")
            assert key not in sections, f"haproxy.cfg declares {key} twice"
            current = sections[key] = []
        else:
            assert current is not None, f"a directive outside any section: {line!r}"
            current.append(words)
    return sections


def directive(directives: Directives, *prefix: str) -> list[str]:
    """The words after `prefix` of the one directive that starts with it."""
    found = [d[len(prefix):] for d in directives if d[:len(prefix)] == list(prefix)]
    assert len(found) == 1, f"expected one `{' '.join(prefix)}`, found {len(found)}"
    return found[0]


def haproxy_seconds(duration: str) -> float:
    """An haproxy time (`2s`, `3m`, `500ms`, a bare number meaning milliseconds) in seconds."""
    match = re.fullmatch(r"(\d+)(us|ms|s|m|h|d)?", duration)
    assert match, f"not an haproxy time: {duration!r}"
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    return int(match[1]) * units[match[2] or "ms"]


def backend_of(sections: dict[tuple[str, str], Directives], port: str) -> str:
    """The default backend of the frontend that binds `port` (on any address)."""
    for (kind, _), directives in sections.items():
        if kind == "frontend" and any(d[0] == "bind" and d[1].endswith(f":{port}")
                                      for d in directives):
            return directive(directives, "default_backend")[0]
    raise AssertionError(f"no frontend binds port {port}")


def servers(directives: Directives) -> dict[str, list[str]]:
    """Server name -> [address, options...] of every `server` line of a backend."""
    return {d[1]: d[2:] for d in directives if d[0] == "server"}
