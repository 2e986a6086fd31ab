"""How DIPTYCH_* variables are read (pydantic-settings) and refused: in one line naming the
variable, so a service that cannot start says why (pydantic's ValidationError takes several).

Each group of settings is an `EnvSettings` with the variables' prefix; `read(env)` takes them from
`env` (os.environ, or a test's dict), with an empty variable counting as unset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticUseDefault
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, SettingsConfigDict


class SettingsError(ValueError):
    """A setting has a value the service cannot run with; the message names the setting."""


class EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIPTYCH_", frozen=True)

    @classmethod
    def read(cls, env: Mapping[str, str], **given: Any) -> Self:
        """The settings in `env`; `given` fills fields that other groups read (never `env`)."""
        try:
            return cls.model_validate({**_Variables(cls, env, given)(), **given})
        except ValidationError as error:
            raise SettingsError(_refusal(cls, error.errors()[0])) from None


class _Variables(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of os.environ."""

    def __init__(self, cls: type[BaseSettings], env: Mapping[str, str], given: Iterable[str]):
        # Names as they are written: pydantic-settings would also take `diptych_port`.
        self._env = {name.lower(): value for name, value in env.items() if name.isupper() and value}
        self._given = set(given)
        super().__init__(cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return self._env

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name in self._given:  # so DIPTYCH_AUTH, say, is never parsed as JSON
            return None, field_name, False
        return super().get_field_value(field, field_name)


def _refusal(cls: type[EnvSettings], error: ErrorDetails) -> str:
    cause = error.get("ctx", {}).get("error")
    if not error["loc"]:  # a check across fields (a model validator) names its variables itself
        return str(cause or error["msg"])
    key = str(error["loc"][0])  # a field's name, or its alias: the variable's whole name
    name = next(n for n, f in cls.model_fields.items() if key in (n, f.validation_alias))
    variable = key if key != name else f"{cls.model_config.get('env_prefix', '')}{name}".upper()
    if isinstance(cause, ValueError):  # our validators' reasons: "must be ..., got ..."
        return f"{variable} {cause}"
    return f"{variable}: {error['msg']}"  # never the input: it may hold a password


def number(low: float, high: float) -> WrapValidator:
    """A numeric setting from `low` to `high` (`Annotated[int, number(1, 65535)]`): pydantic
    reads the field's type, this checks the bounds, and either refusal says the same."""

    def check(raw: object, read: ValidatorFunctionWrapHandler) -> object:
        try:
            value = read(raw)
        except ValidationError:
            value = None
        if value is None or not low <= value <= high:  # NaN is in no range
            raise ValueError(f"must be a number from {low} to {high}, got {raw!r}")
        return value

    return WrapValidator(check)


def _items(raw: object) -> object:
    if not isinstance(raw, str):
        return raw
    if not raw.strip():
        raise PydanticUseDefault  # blank: as if unset
    return tuple(item.strip() for item in raw.split(",") if item.strip())


# "a, b,c" (NoDecode: pydantic-settings would expect a JSON list).
CommaList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_items)]


def matching(pattern: str, reason: str) -> AfterValidator:
    """A text setting that must match `pattern`; `reason` says what it may hold."""

    def check(raw: str) -> str:
        if not re.fullmatch(pattern, raw):
            raise ValueError(f"{reason}, got {raw!r}")
        return raw

    return AfterValidator(check)


def url(*schemes: str) -> AfterValidator:
    """A URL setting with one of `schemes`; a refusal shows it without its password."""

    def check(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            allowed = " or ".join(f"{s}://" for s in schemes)
            raise ValueError(f"must start with {allowed}, got {safe_url(raw)!r}")
        return raw

    return AfterValidator(check)


def safe_url(url: str) -> str:
    """A URL without its password, for logs and messages.

    Not SQLAlchemy's make_url(url).render_as_string(hide_password=True): it ends the password at
    the first '@' where the clients (yarl for aio-pika, urllib for redis-py) take the last, so an
    unencoded '@' in a password ("amqp://u:p@ss@mq/") would show the rest of it; and it raises
    for a malformed value, which a refusal must still show.
    """
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", ":***@") if parts.password else url

