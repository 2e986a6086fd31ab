"""Where token keys come from and what a token must say: the DIPTYCH_JWT_* settings
(diptych/keys.py uses them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator
from pydantic_settings import SettingsConfigDict

from diptych.env_settings import CommaList, EnvSettings, matching, number, url

ASYMMETRIC = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")


def _asymmetric(algorithms: tuple[str, ...]) -> tuple[str, ...]:
    if any(a not in ASYMMETRIC for a in algorithms):
        raise ValueError("takes asymmetric algorithms (RS256, ES256, ...), got "
                         f"{','.join(algorithms)!r}")
    return algorithms


# A claim's name; providers namespace theirs (`https://example.com/role`).
Claim = Annotated[str, matching(r"\S{1,200}", "must be a claim name without spaces")]


class AuthSettings(EnvSettings):
    model_config = SettingsConfigDict(env_prefix="DIPTYCH_JWT_")

    jwks_url: Annotated[str, url("https", "http")] | None = None
    public_key_file: Path | None = None
    # empty: RS256 and ES256 for provider keys
    algorithms: Annotated[CommaList, AfterValidator(_asymmetric)] = ()
    issuer: str | None = None
    audience: str | None = None
    leeway: Annotated[float, number(0, 300)] = 30.0
    role_claim: Claim = "role"
    user_claim: Claim = "sub"
