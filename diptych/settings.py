"""Settings, read once from the environment. Anything unset falls back to the embedded default:
SQLite under the data directory, the in-process broker, and a tantivy index on disk."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from strawberry.http.websocket_origin import normalize_origin

from schema.edge.budgets import Allowances
from schema.edge.limits import Limits
from schema.edge.persisted import MANIFEST_FILE

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class AuthSettings:
    """Where token keys come from and what a token must say (diptych/keys.py uses them)."""

    jwks_url: str | None = None
    public_key_file: Path | None = None
    algorithms: tuple[str, ...] = ()  # empty: RS256 and ES256 for provider keys
    issuer: str | None = None
    audience: str | None = None
    leeway: float = 30.0
    role_claim: str = "role"
    user_claim: str = "sub"


@dataclass(frozen=True)
class DocumentSettings:
    """Persisted and trusted documents (schema/edge/persisted.py)."""

    trusted_only: bool = False  # DIPTYCH_TRUSTED_DOCUMENTS=only: the manifest's documents only
    admin_adhoc: bool = True  # admins may still send documents outside the manifest
    apq_cache_bytes: int = 2_000_000


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
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    limits: Limits = field(default_factory=Limits)
    auth: AuthSettings = field(default_factory=AuthSettings)
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    allowances: Allowances = field(default_factory=Allowances)
    forwarded_allow_ips: str = "127.0.0.1"
    redis_url: str | None = None

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
        data_dir = Path(env.get("DIPTYCH_DATA_DIR") or "var").resolve()
        database_url = env.get("DIPTYCH_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/diptych.db"
        limits = _limits(env)
        consistency_timeout = _number(env, "DIPTYCH_CONSISTENCY_TIMEOUT", "5", float, 0.001, 300)
        if limits.query_timeout < consistency_timeout:
            raise SettingsError(
                f"DIPTYCH_QUERY_TIMEOUT ({limits.query_timeout:g}s) must be at least "
                f"DIPTYCH_CONSISTENCY_TIMEOUT ({consistency_timeout:g}s), or token waits time out"
            )
        return cls(
            data_dir=data_dir,
            database_url=_url(database_url, "DIPTYCH_DATABASE_URL",
                              ("sqlite+aiosqlite", "postgresql+asyncpg")),
            index_dir=Path(env.get("DIPTYCH_INDEX_DIR") or data_dir / "index").resolve(),
            host=env.get("DIPTYCH_HOST") or "127.0.0.1",
            port=_number(env, "DIPTYCH_PORT", "8000", int, 1, 65535),
            consistency_timeout=consistency_timeout,
            amqp_url=_optional_url(env, "DIPTYCH_AMQP_URL", ("amqp", "amqps")),
            amqp_prefix=_name(env, "DIPTYCH_AMQP_PREFIX", "diptych"),
            elasticsearch_url=_optional_url(env, "DIPTYCH_ELASTICSEARCH_URL", ("http", "https")),
            shards=_number(env, "DIPTYCH_SHARDS", "4", int, 1, 256),
            stall_after=_number(env, "DIPTYCH_STALL_AFTER", "30", float, 1, 86400),
            allowed_origins=_origins(env),
            allowed_hosts=_list(env, "DIPTYCH_ALLOWED_HOSTS", LOOPBACK_HOSTS),
            limits=limits,
            auth=_auth(env),
            documents=_documents(env),
            allowances=Allowances(
                anonymous=_number(env, "DIPTYCH_BUDGET_ANONYMOUS", "1000", int, 0, 10**9),
                customer=_number(env, "DIPTYCH_BUDGET_CUSTOMER", "10000", int, 0, 10**9),
                admin=_number(env, "DIPTYCH_BUDGET_ADMIN", "0", int, 0, 10**9),
            ),
            forwarded_allow_ips=env.get("DIPTYCH_FORWARDED_ALLOW_IPS") or "127.0.0.1",
            redis_url=_optional_url(env, "DIPTYCH_REDIS_URL", ("redis", "rediss")),
        )


def _auth(env: Mapping[str, str]) -> AuthSettings:
    key_file = env.get("DIPTYCH_JWT_PUBLIC_KEY_FILE")
    algorithms = _list(env, "DIPTYCH_JWT_ALGORITHMS", ())
    if any(a not in ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256") for a in algorithms):
        raise SettingsError("DIPTYCH_JWT_ALGORITHMS takes asymmetric algorithms (RS256, ES256, "
                            f"...), got {','.join(algorithms)!r}")
    return AuthSettings(
        jwks_url=_optional_url(env, "DIPTYCH_JWT_JWKS_URL", ("https", "http")),
        public_key_file=Path(key_file) if key_file else None,
        algorithms=algorithms,
        issuer=env.get("DIPTYCH_JWT_ISSUER") or None,
        audience=env.get("DIPTYCH_JWT_AUDIENCE") or None,
        leeway=_number(env, "DIPTYCH_JWT_LEEWAY", "30", float, 0, 300),
        role_claim=_claim(env, "DIPTYCH_JWT_ROLE_CLAIM", "role"),
        user_claim=_claim(env, "DIPTYCH_JWT_USER_CLAIM", "sub"),
    )


def _documents(env: Mapping[str, str]) -> DocumentSettings:
    mode = (env.get("DIPTYCH_TRUSTED_DOCUMENTS") or "off").strip().lower()
    adhoc = (env.get("DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC") or "true").strip().lower()
    if mode not in ("off", "only"):
        raise SettingsError(f"DIPTYCH_TRUSTED_DOCUMENTS must be off or only, got {mode!r}")
    if adhoc not in ("true", "false"):
        raise SettingsError(
            f"DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC must be true or false, got {adhoc!r}")
    return DocumentSettings(
        trusted_only=mode == "only", admin_adhoc=adhoc == "true",
        apq_cache_bytes=_number(env, "DIPTYCH_APQ_CACHE_BYTES", "2000000", int, 0,
                                1_000_000_000),
    )


def _claim(env: Mapping[str, str], name: str, default: str) -> str:
    """A claim's name; providers namespace theirs (`https://example.com/role`)."""
    raw = env.get(name) or default
    if not re.fullmatch(r"\S{1,200}", raw):
        raise SettingsError(f"{name} must be a claim name without spaces, got {raw!r}")
    return raw


def _limits(env: Mapping[str, str]) -> Limits:
    """The bounds at the edge (schema/edge/limits.py); the defaults are Limits' own."""
    d = Limits()
    timeout = _number(env, "DIPTYCH_CONSISTENCY_TIMEOUT", "5", float, 0.001, 300)
    return Limits(
        max_depth=_number(env, "DIPTYCH_MAX_DEPTH", str(d.max_depth), int, 1, 100),
        max_aliases=_number(env, "DIPTYCH_MAX_ALIASES", str(d.max_aliases), int, 0, 1000),
        max_directives=_number(env, "DIPTYCH_MAX_DIRECTIVES", str(d.max_directives), int, 0,
                               1000),
        max_tokens=_number(env, "DIPTYCH_MAX_TOKENS", str(d.max_tokens), int, 100, 100_000),
        max_cost=_number(env, "DIPTYCH_MAX_COST", str(d.max_cost), int, 1, 10_000_000),
        max_body_bytes=_number(env, "DIPTYCH_MAX_BODY_BYTES", str(d.max_body_bytes), int,
                               1024, 100_000_000),
        document_cache_bytes=_number(env, "DIPTYCH_DOCUMENT_CACHE_BYTES",
                                     str(d.document_cache_bytes), int, 0, 1_000_000_000),
        # By default a field has 5 s beyond the token wait, and never less than Limits' 10 s.
        query_timeout=_number(env, "DIPTYCH_QUERY_TIMEOUT", str(max(d.query_timeout, timeout + 5)),
                              float, 0.1, 900),
        caught_up_timeout=_number(env, "DIPTYCH_CAUGHT_UP_TIMEOUT", str(timeout), float,
                                  0.001, 3600),
        max_waits=_number(env, "DIPTYCH_MAX_WAITS", str(d.max_waits), int, 1, 10_000),
        ws_init_timeout=_number(env, "DIPTYCH_WS_INIT_TIMEOUT", str(d.ws_init_timeout), float,
                                0.1, 600),
        max_subscriptions=_number(env, "DIPTYCH_MAX_SUBSCRIPTIONS", str(d.max_subscriptions), int,
                                  1, 10_000),
    )


def _origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """Origins as browsers send them (lower-case, no default port, no path), so that the HTTP
    check (Starlette's CORS, exact strings) and the WebSocket one (strawberry's) agree."""
    origins = []
    for raw in _list(env, "DIPTYCH_ALLOWED_ORIGINS", ()):
        parts = urlsplit(raw)
        origin = normalize_origin(raw) if parts.path in ("", "/") else None
        if raw != "*" and (origin is None or parts.query or parts.fragment):
            raise SettingsError(
                "DIPTYCH_ALLOWED_ORIGINS takes origins such as https://shop.example.com "
                f"(scheme, host, optional port; no path), got {raw!r}")
        origins.append(origin or "*")
    return tuple(origins)


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


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
