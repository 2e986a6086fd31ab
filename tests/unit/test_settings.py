from __future__ import annotations

from pathlib import Path

import pytest

from diptych.settings import Settings, SettingsError


def test_with_nothing_set_everything_is_embedded_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/diptych.db"
    assert settings.index_dir == tmp_path / "index"
    assert (settings.host, settings.port, settings.consistency_timeout) == ("127.0.0.1", 8000, 5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DIPTYCH_PORT", "eighty"),
        ("DIPTYCH_PORT", "70000"),
        ("DIPTYCH_CONSISTENCY_TIMEOUT", "-1"),
        ("DIPTYCH_DATABASE_URL", "mysql://root@localhost/db"),
    ],
)
def test_a_bad_setting_is_refused_with_its_name_in_one_line(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert name in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_distributed_backends_are_taken_from_their_urls(tmp_path: Path) -> None:
    settings = Settings.from_env({
        "DIPTYCH_DATA_DIR": str(tmp_path),
        "DIPTYCH_DATABASE_URL": "postgresql+asyncpg://app:secret@db:5432/diptych",
        "DIPTYCH_AMQP_URL": "amqp://app:secret@mq:5672/",
        "DIPTYCH_ELASTICSEARCH_URL": "http://search:9200",
        "DIPTYCH_SHARDS": "8",
    })
    assert settings.amqp_url == "amqp://app:secret@mq:5672/"
    assert settings.elasticsearch_url == "http://search:9200"
    assert settings.shards == 8
    assert not settings.in_process_broker
    assert Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)}).in_process_broker


@pytest.mark.parametrize(
    ("name", "value"),
    [("DIPTYCH_AMQP_URL", "http://mq:5672"), ("DIPTYCH_ELASTICSEARCH_URL", "search:9200"),
     ("DIPTYCH_SHARDS", "0")],
)
def test_a_malformed_backend_url_is_refused_with_its_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert name in str(raised.value)


def test_a_refused_url_never_echoes_its_password() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"DIPTYCH_AMQP_URL": "http://app:hunter2@mq:5672/"})
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("raw", "origin"),
    [("http://localhost:5173/", "http://localhost:5173"),
     ("HTTPS://Shop.Example", "https://shop.example"),
     ("https://shop.example:443", "https://shop.example"),
     ("http://localhost:8080", "http://localhost:8080")],
)
def test_allowed_origins_are_read_as_browsers_send_them(raw: str, origin: str) -> None:
    """Starlette's CORS compares exact strings; strawberry's WebSocket check normalises. One
    spelling for both, or a trailing slash would open WebSockets and silently break HTTP."""
    assert Settings.from_env({"DIPTYCH_ALLOWED_ORIGINS": raw}).allowed_origins == (origin,)


@pytest.mark.parametrize("raw", ["shop.example", "https://shop.example/app", "https://a.example?x=1"])
def test_an_allowed_origin_that_is_not_an_origin_is_refused_in_one_line(raw: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"DIPTYCH_ALLOWED_ORIGINS": raw})
    assert "DIPTYCH_ALLOWED_ORIGINS" in str(raised.value) and "\n" not in str(raised.value)


def test_every_limit_is_a_setting_with_its_name_in_the_refusal() -> None:
    settings = Settings.from_env({"DIPTYCH_MAX_COST": "100", "DIPTYCH_MAX_DEPTH": "4",
                                  "DIPTYCH_CONSISTENCY_TIMEOUT": "20"})
    assert (settings.limits.max_cost, settings.limits.max_depth) == (100, 4)
    assert settings.limits.caught_up_timeout == 20 and settings.limits.query_timeout == 25
    with pytest.raises(SettingsError, match="DIPTYCH_QUERY_TIMEOUT"):
        Settings.from_env({"DIPTYCH_QUERY_TIMEOUT": "2", "DIPTYCH_CONSISTENCY_TIMEOUT": "5"})
    with pytest.raises(SettingsError, match="DIPTYCH_MAX_BODY_BYTES"):
        Settings.from_env({"DIPTYCH_MAX_BODY_BYTES": "10"})
