"""Settings, read once from the environment. Anything unset falls back to the embedded default:
SQLite under the data directory, the in-process broker, and a tantivy index on disk."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A setting has a value the service cannot run with; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    index_dir: Path
    host: str
    port: int
    consistency_timeout: float
    amqp_url: str | None = None
    amqp_prefix: str = "diptych"
    elasticsearch_url: str | None = None
    shards: int = 4
    stall_after: float = 30.0
    allowed_origins: tuple[str, ...] = ()

    @property
    def in_process_broker(self) -> bool:
        """No broker is configured, so the relay and the projector can only run inside the API
        process (`diptych serve` then always runs them)."""
        return self.amqp_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        data_dir = Path(env.get("DIPTYCH_DATA_DIR") or "var").resolve()
        database_url = env.get("DIPTYCH_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/diptych.db"
        return cls(
            data_dir=data_dir,
            database_url=_url(database_url, "DIPTYCH_DATABASE_URL",
                              ("sqlite+aiosqlite", "postgresql+asyncpg")),
            index_dir=Path(env.get("DIPTYCH_INDEX_DIR") or data_dir / "index").resolve(),
            host=env.get("DIPTYCH_HOST") or "127.0.0.1",
            port=_number(env, "DIPTYCH_PORT", "8000", int, 1, 65535),
            consistency_timeout=_number(env, "DIPTYCH_CONSISTENCY_TIMEOUT", "5", float, 0.001, 300),
            amqp_url=_optional_url(env, "DIPTYCH_AMQP_URL", ("amqp", "amqps")),
            amqp_prefix=_name(env, "DIPTYCH_AMQP_PREFIX", "diptych"),
            elasticsearch_url=_optional_url(env, "DIPTYCH_ELASTICSEARCH_URL", ("http", "https")),
            shards=_number(env, "DIPTYCH_SHARDS", "4", int, 1, 256),
            stall_after=_number(env, "DIPTYCH_STALL_AFTER", "30", float, 1, 86400),
            allowed_origins=tuple(
                o.strip() for o in env.get("DIPTYCH_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
        )


def _optional_url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name)
    return _url(raw, name, schemes) if raw else None


def _url(raw: str, name: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        allowed = " or ".join(f"{s}://" for s in schemes)
        shown = raw.replace(parts.password, "***") if parts.password else raw
        raise SettingsError(f"{name} must start with {allowed}, got {shown!r}")
    return raw


def _name(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name) or default
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", raw):
        raise SettingsError(f"{name} may hold 1 to 64 letters, digits, '_' and '-', got {raw!r}")
    return raw


N = TypeVar("N", int, float)


def _number(
    env: Mapping[str, str], name: str, default: str, kind: type[N], low: N, high: N
) -> N:
    raw = env.get(name) or default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SettingsError(f"{name} must be a number from {low} to {high}, got {raw!r}")
    return value
