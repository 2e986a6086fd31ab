"""Who is calling: a bearer JWT verified with PyJWT, mapped to a role and a user id.

No token is the anonymous caller. A token that is presented must verify (signature with a pinned
algorithm, `exp` and `nbf` with a small leeway, `iss` and `aud` when configured), or the request
is refused: a caller who meant to sign in is told, not served as anonymous.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import jwt

MAX_TOKEN_LENGTH = 8192  # an ID provider's token with many claims is 1-2 KB
# Verified tokens remembered, so a client's every request does not verify its signature again:
# for at most VERIFIED_FOR seconds (no longer than the keys themselves are cached) and never
# past the token's `exp`; the oldest are forgotten first beyond VERIFIED_KEPT.
VERIFIED_FOR = 60.0
VERIFIED_KEPT = 10_000


class Role(Enum):
    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    role: Role
    user_id: str | None = None
    expires_at: float | None = None  # seconds since the epoch, the token's `exp`


ANONYMOUS = Principal(Role.ANONYMOUS)


class InvalidToken(Exception):
    """The token was presented and does not verify; the message says why, for the caller."""


class KeysUnavailable(Exception):
    """The keys that verify tokens cannot be fetched right now (a JWKS endpoint down)."""


class KeySource(Protocol):
    async def key_for(self, token: str) -> Any:
        """The key that verifies `token` (by its `kid` for a key set)."""
        ...


@dataclass(frozen=True)
class TokenRules:
    algorithms: tuple[str, ...]
    issuer: str | None = None
    audience: str | None = None
    leeway: float = 30.0
    role_claim: str = "role"
    user_claim: str = "sub"


class TokenVerifier:
    def __init__(self, keys: KeySource, rules: TokenRules) -> None:
        self._keys = keys
        self._rules = rules
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def principal(self, authorization: str | None) -> Principal:
        """The caller an `Authorization` header (or a connection_init value) names."""
        if authorization is None or not authorization.strip():
            return ANONYMOUS
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("Authorization takes 'Bearer <token>'")
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken(f"the token is longer than {MAX_TOKEN_LENGTH} characters")
        now = time.time()
        remembered = self._verified.get(token)
        if remembered is not None:
            until, principal = remembered
            if now < until:
                return principal
            del self._verified[token]
        rules = self._rules
        try:
            key = await self._keys.key_for(token)
            claims = jwt.decode(
                token, key, algorithms=list(rules.algorithms), audience=rules.audience,
                issuer=rules.issuer, leeway=rules.leeway,
                options={"require": ["exp"], "verify_aud": rules.audience is not None},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(f"the token does not verify: {error}") from error
        principal = self._principal_of(claims)
        self._verified[token] = (min(now + VERIFIED_FOR, float(claims["exp"])), principal)
        if len(self._verified) > VERIFIED_KEPT:
            self._verified.popitem(last=False)
        return principal

    def _principal_of(self, claims: dict[str, Any]) -> Principal:
        role, user = claims.get(self._rules.role_claim), claims.get(self._rules.user_claim)
        if role not in (Role.CUSTOMER.value, Role.ADMIN.value):
            raise InvalidToken(f"the token's {self._rules.role_claim!r} claim must be "
                               "'customer' or 'admin'")
        if role == Role.CUSTOMER.value and not (isinstance(user, str) and user):
            raise InvalidToken(f"a customer's token names the user in {self._rules.user_claim!r}")
        return Principal(Role(role), user if isinstance(user, str) else None,
                         float(claims["exp"]))
