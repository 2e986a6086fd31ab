"""The settings of the edge (schema/edge/): its bounds, the callers' budgets and the persisted
documents. The defaults of the bounds and budgets are Limits' and Allowances' own."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BeforeValidator, Field, model_validator
from pydantic_settings import SettingsConfigDict

from diptych.env_settings import EnvSettings, number
from schema.edge.budgets import Allowances
from schema.edge.limits import Limits

_LIMITS = Limits()
_ALLOWANCES = Allowances()


class LimitSettings(EnvSettings):
    consistency_timeout: Annotated[float, number(0.001, 300)] = 5.0  # a token's longest wait
    max_depth: Annotated[int, number(1, 100)] = _LIMITS.max_depth
    max_aliases: Annotated[int, number(0, 1000)] = _LIMITS.max_aliases
    max_directives: Annotated[int, number(0, 1000)] = _LIMITS.max_directives
    max_tokens: Annotated[int, number(100, 100_000)] = _LIMITS.max_tokens
    max_cost: Annotated[int, number(1, 10_000_000)] = _LIMITS.max_cost
    max_body_bytes: Annotated[int, number(1024, 100_000_000)] = _LIMITS.max_body_bytes
    document_cache_bytes: Annotated[int, number(0, 1_000_000_000)] = _LIMITS.document_cache_bytes
    answer_cache_bytes: Annotated[int, number(0, 10_000_000_000)] = _LIMITS.answer_cache_bytes
    answer_max_bytes: Annotated[int, number(1024, 100_000_000)] = _LIMITS.answer_max_bytes
    # None: by default a field has 5 s beyond the token wait, and never less than Limits' 10 s.
    query_timeout: Annotated[float, number(0.1, 900)] | None = None
    caught_up_timeout: Annotated[float, number(0.001, 3600)] | None = None  # None: the token wait
    max_waits: Annotated[int, number(1, 10_000)] = _LIMITS.max_waits
    ws_init_timeout: Annotated[float, number(0.1, 600)] = _LIMITS.ws_init_timeout
    max_subscriptions: Annotated[int, number(1, 10_000)] = _LIMITS.max_subscriptions

    @model_validator(mode="after")
    def _query_outlasts_token_wait(self) -> Self:
        if (query := self.limits().query_timeout) < self.consistency_timeout:
            raise ValueError(
                f"DIPTYCH_QUERY_TIMEOUT ({query:g}s) must be at least "
                f"DIPTYCH_CONSISTENCY_TIMEOUT ({self.consistency_timeout:g}s), or token waits "
                "time out")
        return self

    def limits(self) -> Limits:
        wait, query, caught_up = (self.consistency_timeout, self.query_timeout,
                                  self.caught_up_timeout)
        query = max(_LIMITS.query_timeout, wait + 5) if query is None else query
        caught_up = wait if caught_up is None else caught_up
        fields = self.model_dump(exclude={"consistency_timeout"})
        return Limits(**{**fields, "query_timeout": query, "caught_up_timeout": caught_up})


class BudgetSettings(EnvSettings):
    """Points per minute by role (schema/edge/budgets.py); 0 means unlimited."""

    model_config = SettingsConfigDict(env_prefix="DIPTYCH_BUDGET_")

    anonymous: Annotated[int, number(0, 10**9)] = _ALLOWANCES.anonymous
    customer: Annotated[int, number(0, 10**9)] = _ALLOWANCES.customer
    admin: Annotated[int, number(0, 10**9)] = _ALLOWANCES.admin

    def allowances(self) -> Allowances:
        return Allowances(**self.model_dump())


def _choice(words: dict[str, bool]) -> BeforeValidator:
    """A yes-or-no setting spelled as one of `words` (any case, spaces around it ignored)."""

    def check(raw: object) -> object:
        if not isinstance(raw, str):
            return raw
        word = raw.strip().lower()
        if word not in words:
            raise ValueError(f"must be {' or '.join(words)}, got {word!r}")
        return words[word]

    return BeforeValidator(check)


class DocumentSettings(EnvSettings):
    """Persisted and trusted documents (schema/edge/persisted.py)."""

    # DIPTYCH_TRUSTED_DOCUMENTS=only: the manifest's documents only
    trusted_only: Annotated[bool, _choice({"off": False, "only": True})] = Field(
        False, validation_alias="DIPTYCH_TRUSTED_DOCUMENTS")
    # admins may still send documents outside the manifest
    admin_adhoc: Annotated[bool, _choice({"true": True, "false": False})] = Field(
        True, validation_alias="DIPTYCH_TRUSTED_DOCUMENTS_ADMIN_ADHOC")
    apq_cache_bytes: Annotated[int, number(0, 1_000_000_000)] = 2_000_000
