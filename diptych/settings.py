"""Settings, read once from the environment. Anything unset falls back to the embedded default:
SQLite under the data directory, the in-process broker, and a tantivy index on disk.

Each group reads its own DIPTYCH_* variables (pydantic-settings, diptych/env_settings.py): the
token rules in diptych/auth_settings.py, the edge's bounds, budgets and documents in
diptych/edge_settings.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from strawberry.http.websocket_origin import normalize_origin

from diptych.auth_settings import AuthSettings
from diptych.edge_settings import BudgetSettings, DocumentSettings, LimitSettings
from diptych.env_settings import CommaList, EnvSettings, matching, number, url
from diptych.env_settings import SettingsError as SettingsError  # raised here, caught by callers
from schema.edge.budgets import Allowances
from schema.edge.limits import Limits
from schema.edge.persisted import MANIFEST_FILE

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _origins(raws: tuple[str, ...]) -> tuple[str, ...]:
    """Origins as browsers send them (lower-case, no default port, no path), so that the HTTP
    check (Starlette's CORS, exact strings) and the WebSocket one (strawberry's) agree."""
    origins = []
    for raw in raws:
        parts = urlsplit(raw)
        origin = normalize_origin(raw) if parts.path in ("", "/") else None
        if raw != "*" and (origin is None or parts.query or parts.fragment):
            raise ValueError("takes origins such as https://shop.example.com "
                             f"(scheme, host, optional port; no path), got {raw!r}")
        origins.append(origin or "*")
    return tuple(origins)


def _embedded_database(data: dict[str, Any]) -> str:
    return f"sqlite+aiosqlite:///{data['data_dir']}/diptych.db"


def _index_under_data_dir(data: dict[str, Any]) -> Path:
    return Path(data["data_dir"]) / "index"


Directory = Annotated[Path, AfterValidator(Path.resolve)]


class Settings(EnvSettings):
    """Build it with `Settings.from_env()`: the groups (auth, limits, ...) come from there."""

    data_dir: Directory = Field(Path("var"), validate_default=True)
    database_url: Annotated[str, url("sqlite+aiosqlite", "postgresql+asyncpg")] = Field(
        default_factory=_embedded_database)
    index_dir: Directory = Field(default_factory=_index_under_data_dir)
    keep_index_versions: Annotated[int, number(1, 100)] = 2  # `diptych rebuild`: live + previous
    host: str = "127.0.0.1"
    port: Annotated[int, number(1, 65535)] = 8000
    consistency_timeout: float  # DIPTYCH_CONSISTENCY_TIMEOUT, read with the limits
    amqp_url: Annotated[str, url("amqp", "amqps")] | None = None
    amqp_prefix: Annotated[str, matching(
        r"[A-Za-z0-9_-]{1,64}", "may hold 1 to 64 letters, digits, '_' and '-'")] = "diptych"
    elasticsearch_url: Annotated[str, url("http", "https")] | None = None
    shards: Annotated[int, number(1, 256)] = 4
    stall_after: Annotated[float, number(1, 86400)] = 30.0
    # Attempts at an event whose projection raises before it is parked (workers/parking.py).
    park_after: Annotated[int, number(1, 100)] = 3
    # Seconds the broker may be out of reach, while events wait, before the projector reads
    # them from the event log itself (workers/direct_sync.py); 0 turns direct sync off.
    direct_after: Annotated[float, number(0, 86400)] = 10.0
    allowed_origins: Annotated[CommaList, AfterValidator(_origins)] = ()
    allowed_hosts: CommaList = LOOPBACK_HOSTS
    limits: Limits
    auth: AuthSettings
    documents: DocumentSettings
    allowances: Allowances
    forwarded_allow_ips: str = "127.0.0.1"
    redis_url: Annotated[str, url("redis", "rediss")] | None = None

    @property
    def trusted_documents_file(self) -> Path:
        """The manifest `diptych documents import` writes and `diptych serve` reads."""
        return self.data_dir / MANIFEST_FILE

    @property
    def in_process_broker(self) -> bool:
        """No broker is configured, so the relay and the projector can only run inside the API
        process (`diptych serve` then always runs them)."""
        return self.amqp_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Every setting, from `env`; SettingsError, naming the variable, for a bad value."""
        limits = LimitSettings.read(env)
        return cls.read(
            env,
            consistency_timeout=limits.consistency_timeout,
            limits=limits.limits(),
            auth=AuthSettings.read(env),
            documents=DocumentSettings.read(env),
            allowances=BudgetSettings.read(env).allowances(),
        )
