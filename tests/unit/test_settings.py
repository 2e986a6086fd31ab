from __future__ import annotations

from pathlib import Path

import pytest

from diptych.env_settings import safe_url
from diptych.settings import LOOPBACK_HOSTS, Settings, SettingsError


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
    assert "http://app:***@mq:5672/" in str(raised.value)


@pytest.mark.parametrize(("url", "shown"), [
    ("amqp://app:hunter2@mq:5672/", "amqp://app:***@mq:5672/"),
    ("redis://:hunter2@cache:6379/15", "redis://:***@cache:6379/15"),
    ("https://elastic:hunter2@search:9243/prefix", "https://elastic:***@search:9243/prefix"),
    ("postgresql+asyncpg://app:hunter2@db/diptych", "postgresql+asyncpg://app:***@db/diptych"),
    # aio-pika and redis-py read the password up to the last '@' (SQLAlchemy's make_url
    # stops at the first and would show "ter2@mq")
    ("amqp://app:hun@ter2@mq/", "amqp://app:***@mq/"),
    ("http://search:9200", "http://search:9200"),
])
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert safe_url(url) == shown


def test_a_variable_set_to_nothing_counts_as_unset() -> None:
    settings = Settings.from_env({"DIPTYCH_PORT": "", "DIPTYCH_ALLOWED_HOSTS": " ",
                                  "DIPTYCH_JWT_ISSUER": "", "DIPTYCH_AMQP_URL": ""})
    assert (settings.port, settings.allowed_hosts) == (8000, LOOPBACK_HOSTS)
    assert settings.auth.issuer is None and settings.in_process_broker
    assert Settings.from_env({"DIPTYCH_ALLOWED_HOSTS": "a.example, b.example,"}).allowed_hosts \
        == ("a.example", "b.example")


def test_only_the_variables_names_as_written_are_read() -> None:
    """Not `diptych_port`, and not a group's field as JSON (`DIPTYCH_AUTH`)."""
    settings = Settings.from_env({"diptych_port": "1", "DIPTYCH_AUTH": "{not json",
                                  "DIPTYCH_LIMITS": "[", "DIPTYCH_JWT_LEEWAY": "5"})
    assert (settings.port, settings.auth.leeway) == (8000, 5)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DIPTYCH_SHARDS", "0", "DIPTYCH_SHARDS must be a number from 1 to 256, got '0'"),
    ("DIPTYCH_STALL_AFTER", "soon",
     "DIPTYCH_STALL_AFTER must be a number from 1 to 86400, got 'soon'"),
    ("DIPTYCH_AMQP_PREFIX", "a b",
     "DIPTYCH_AMQP_PREFIX may hold 1 to 64 letters, digits, '_' and '-', got 'a b'"),
    ("DIPTYCH_JWT_ALGORITHMS", "RS256, HS256", "DIPTYCH_JWT_ALGORITHMS takes asymmetric "
     "algorithms (RS256, ES256, ...), got 'RS256,HS256'"),
    ("DIPTYCH_JWT_ROLE_CLAIM", "my role",
     "DIPTYCH_JWT_ROLE_CLAIM must be a claim name without spaces, got 'my role'"),
    ("DIPTYCH_JWT_JWKS_URL", "ftp://id.example/jwks",
     "DIPTYCH_JWT_JWKS_URL must start with https:// or http://, got 'ftp://id.example/jwks'"),
    ("DIPTYCH_JWT_LEEWAY", "301", "DIPTYCH_JWT_LEEWAY must be a number from 0 to 300, got '301'"),
    ("DIPTYCH_BUDGET_ADMIN", "-1",
     "DIPTYCH_BUDGET_ADMIN must be a number from 0 to 1000000000, got '-1'"),
    ("DIPTYCH_TRUSTED_DOCUMENTS", " On ",
     "DIPTYCH_TRUSTED_DOCUMENTS must be off or only, got 'on'"),
    ("DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC", "yes",
     "DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC must be true or false, got 'yes'"),
    ("DIPTYCH_WS_INIT_TIMEOUT", "0",
     "DIPTYCH_WS_INIT_TIMEOUT must be a number from 0.1 to 600, got '0'"),
    ("DIPTYCH_QUERY_TIMEOUT", "soon",  # its default follows DIPTYCH_CONSISTENCY_TIMEOUT
     "DIPTYCH_QUERY_TIMEOUT must be a number from 0.1 to 900, got 'soon'"),
    ("DIPTYCH_CONSISTENCY_TIMEOUT", "nan",
     "DIPTYCH_CONSISTENCY_TIMEOUT must be a number from 0.001 to 300, got 'nan'"),
])
def test_each_group_refuses_a_bad_value_in_the_same_one_line(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value) == message


def test_the_groups_hold_their_variables() -> None:
    settings = Settings.from_env({
        "DIPTYCH_JWT_ALGORITHMS": "RS256,ES384", "DIPTYCH_JWT_USER_CLAIM": "https://x.example/u",
        "DIPTYCH_BUDGET_ANONYMOUS": "5", "DIPTYCH_TRUSTED_DOCUMENTS": "ONLY",
        "DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC": "False", "DIPTYCH_CAUGHT_UP_TIMEOUT": "9",
    })
    assert settings.auth.algorithms == ("RS256", "ES384")
    assert settings.auth.user_claim == "https://x.example/u"
    assert (settings.allowances.anonymous, settings.allowances.customer) == (5, 10_000)
    assert settings.documents.trusted_only and not settings.documents.admin_adhoc
    assert (settings.limits.caught_up_timeout, settings.limits.query_timeout) == (9, 10)


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
