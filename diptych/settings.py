"""Settings, read once from the environment. Anything unset falls back to the embedded default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        data_dir = Path(env.get("DIPTYCH_DATA_DIR") or "var").resolve()
        database_url = env.get("DIPTYCH_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/diptych.db"
        if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise SettingsError(
                "DIPTYCH_DATABASE_URL must start with sqlite+aiosqlite:// or "
                f"postgresql+asyncpg://, got {database_url!r}"
            )
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            index_dir=Path(env.get("DIPTYCH_INDEX_DIR") or data_dir / "index").resolve(),
            host=env.get("DIPTYCH_HOST") or "127.0.0.1",
            port=_number(env, "DIPTYCH_PORT", "8000", int, 1, 65535),
            consistency_timeout=_number(env, "DIPTYCH_CONSISTENCY_TIMEOUT", "5", float, 0.001, 300),
        )


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
