"""Where the keys that verify tokens come from, chosen by settings in one place.

Production: an identity provider's JWKS URL (keys cached, fetched again for an unknown `kid`) or
a PEM public key, RS256/ES256. Embedded default: HS256 with a secret generated on first start and
kept in the data directory (readable by its owner only), so `make run` needs no set-up and
`diptych token` can sign tokens for it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from pathlib import Path
from typing import Any

import jwt

from diptych.settings import Settings, SettingsError
from schema.access.authentication import KeySource, KeysUnavailable, TokenRules, TokenVerifier

SECRET_FILE = "jwt-secret"
EMBEDDED_ALGORITHMS = ("HS256",)


class SecretKey:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    async def key_for(self, token: str) -> Any:
        return self.secret


class PublicKey:
    def __init__(self, pem: bytes) -> None:
        self._pem = pem

    async def key_for(self, token: str) -> Any:
        # PyJWT loads the PEM for the token's algorithm, which must be one of the pinned
        # asymmetric ones; it refuses a public key used as an HMAC secret.
        return self._pem


class JwksKeys:
    """An identity provider's key set: cached 5 minutes; an unknown `kid` fetches it again, at
    most once per `cooldown` seconds, so tokens with made-up kids cannot flood the provider."""

    def __init__(self, url: str, cooldown: float = 30.0) -> None:
        self._client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5,
                                       cooldown_duration=cooldown)

    async def key_for(self, token: str) -> Any:
        try:  # urllib underneath: off the event loop
            signing = await asyncio.to_thread(self._client.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError as error:
            raise KeysUnavailable(f"the token keys cannot be fetched: {error}") from error
        return signing.key


def embedded_secret(data_dir: Path) -> bytes:
    """The data directory's signing secret, created on first use (only its owner may read it)."""
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32))
    return path.read_bytes().strip()


def open_verifier(settings: Settings) -> TokenVerifier:
    auth = settings.auth
    keys: KeySource
    if auth.jwks_url:
        keys, algorithms = JwksKeys(auth.jwks_url), auth.algorithms or ("RS256", "ES256")
    elif auth.public_key_file:
        try:
            pem = auth.public_key_file.read_bytes()
        except OSError as error:
            raise SettingsError(f"DIPTYCH_JWT_PUBLIC_KEY_FILE: cannot read "
                                f"{auth.public_key_file}: {error.strerror}") from error
        keys, algorithms = PublicKey(pem), auth.algorithms or ("RS256", "ES256")
    else:
        keys, algorithms = SecretKey(embedded_secret(settings.data_dir)), EMBEDDED_ALGORITHMS
    return TokenVerifier(keys, TokenRules(
        algorithms=algorithms, issuer=auth.issuer, audience=auth.audience, leeway=auth.leeway,
        role_claim=auth.role_claim, user_claim=auth.user_claim,
    ))


def issue_token(settings: Settings, role: str, user: str | None, seconds: float) -> str:
    """A token signed with the embedded secret (`diptych token`)."""
    auth = settings.auth
    if auth.jwks_url or auth.public_key_file:
        raise SettingsError("DIPTYCH_JWT_JWKS_URL / DIPTYCH_JWT_PUBLIC_KEY_FILE: tokens come "
                            "from your identity provider; `diptych token` signs only with the "
                            "embedded secret")
    now = int(time.time())
    claims: dict[str, Any] = {"iat": now, "exp": now + int(seconds), auth.role_claim: role}
    if user:
        claims[auth.user_claim] = user
    if auth.issuer:
        claims["iss"] = auth.issuer
    if auth.audience:
        claims["aud"] = auth.audience
    return jwt.encode(claims, embedded_secret(settings.data_dir), algorithm="HS256")
