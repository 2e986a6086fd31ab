"""Bearer tokens verified with PyJWT: what verifies, and every way a token can fail to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from diptych.keys import JwksKeys, PublicKey, SecretKey, issue_token, open_verifier
from diptych.settings import Settings, SettingsError
from schema.access.authentication import (
    ANONYMOUS,
    InvalidToken,
    Principal,
    Role,
    TokenRules,
    TokenVerifier,
)

SECRET = b"0123456789abcdef0123456789abcdef"
HS = TokenVerifier(SecretKey(SECRET), TokenRules(algorithms=("HS256",)))


def signed(claims: dict[str, Any], key: Any = SECRET, algorithm: str = "HS256",
           **headers: Any) -> str:
    return "Bearer " + jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)


def soon(seconds: int = 86400) -> int:
    """Hours ahead: parametrised tokens are signed when the suite is collected, and the whole
    suite runs for minutes before some of them are checked."""
    return int(time.time()) + seconds


async def test_no_token_is_the_anonymous_caller() -> None:
    assert await HS.principal(None) is ANONYMOUS
    assert await HS.principal("  ") is ANONYMOUS


async def test_a_valid_token_names_its_role_and_user() -> None:
    exp = soon()
    customer = await HS.principal(signed({"role": "customer", "sub": "u-1", "exp": exp}))
    assert customer == Principal(Role.CUSTOMER, "u-1", float(exp))
    admin = await HS.principal(signed({"role": "admin", "exp": exp}))
    assert admin.role is Role.ADMIN


@pytest.mark.parametrize(("authorization", "why"), [
    ("Basic dXNlcjpwYXNz", "Bearer"),
    ("Bearer", "Bearer"),
    ("Bearer " + "a" * 9000, "longer"),
    (signed({"role": "admin", "exp": int(time.time()) - 120}), "expired"),
    (signed({"role": "admin", "exp": soon(), "nbf": soon(3600)}), "not yet valid"),
    (signed({"role": "admin"}), "exp"),
    (signed({"role": "admin", "exp": soon()}, key=b"another secret of 32 bytes......"),
     "Signature"),
    (signed({"role": "root", "exp": soon()}), "'customer' or 'admin'"),
    (signed({"role": "customer", "exp": soon()}), "names the user"),
    ("Bearer " + jwt.encode({"role": "admin", "exp": soon()}, "", algorithm="none"),
     "alg value"),
])
async def test_a_token_that_does_not_verify_is_refused_with_the_reason(
    authorization: str, why: str
) -> None:
    with pytest.raises(InvalidToken) as refused:
        await HS.principal(authorization)
    assert why.lower() in str(refused.value).lower()


async def test_a_tampered_token_is_refused() -> None:
    header, _payload, signature = signed({"role": "customer", "sub": "u-1", "exp": soon()}
                                        ).removeprefix("Bearer ").split(".")
    forged = jwt.utils.base64url_encode(json.dumps(
        {"role": "admin", "sub": "u-1", "exp": soon()}).encode()).decode()
    with pytest.raises(InvalidToken):
        await HS.principal(f"Bearer {header}.{forged}.{signature}")


async def test_issuer_and_audience_are_checked_when_configured() -> None:
    rules = TokenRules(algorithms=("HS256",), issuer="https://id.example", audience="diptych")
    verifier = TokenVerifier(SecretKey(SECRET), rules)
    good = {"role": "admin", "exp": soon(), "iss": "https://id.example", "aud": "diptych"}
    assert (await verifier.principal(signed(good))).role is Role.ADMIN
    for bad in ({**good, "aud": "another-api"}, {**good, "iss": "https://evil.example"}):
        with pytest.raises(InvalidToken):
            await verifier.principal(signed(bad))


def rsa_key() -> tuple[rsa.RSAPrivateKey, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, pem


async def test_a_pem_public_key_verifies_rs256_and_cannot_be_used_as_an_hmac_secret() -> None:
    private, pem = rsa_key()
    verifier = TokenVerifier(PublicKey(pem), TokenRules(algorithms=("RS256", "ES256")))
    token = signed({"role": "admin", "exp": soon()}, key=private, algorithm="RS256")
    assert (await verifier.principal(token)).role is Role.ADMIN
    # The classic confusion: an HS256 token whose secret is the public key everyone can read.
    # PyJWT will not even sign one, so it is made by hand.
    head = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    body = jwt.utils.base64url_encode(json.dumps({"role": "admin", "exp": soon()}).encode())
    mac = hmac.new(pem, head + b"." + body, hashlib.sha256).digest()
    confused = f"Bearer {head.decode()}.{body.decode()}.{jwt.utils.base64url_encode(mac).decode()}"
    with pytest.raises(InvalidToken):
        await verifier.principal(confused)


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey, list[int]]]:
    """A real HTTP JWKS endpoint on loopback; counts its fetches."""
    private, _ = rsa_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    fetches: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetches.append(1)
            body = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None: ...

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", private, fetches
    server.shutdown()
    server.server_close()


async def test_keys_come_from_a_jwks_url_cached_and_refetched_for_an_unknown_kid(
    jwks_server: tuple[str, rsa.RSAPrivateKey, list[int]],
) -> None:
    url, private, fetches = jwks_server
    verifier = TokenVerifier(JwksKeys(url, cooldown=0), TokenRules(algorithms=("RS256",)))
    for _ in range(3):
        token = signed({"role": "admin", "exp": soon()}, key=private, algorithm="RS256", kid="k1")
        assert (await verifier.principal(token)).role is Role.ADMIN
    assert len(fetches) == 1
    unknown = signed({"role": "admin", "exp": soon()}, key=private, algorithm="RS256", kid="k2")
    with pytest.raises(InvalidToken):
        await verifier.principal(unknown)
    assert len(fetches) == 2
    cooling = TokenVerifier(JwksKeys(url), TokenRules(algorithms=("RS256",)))
    for _ in range(5):  # made-up kids do not make the service hammer the provider
        with pytest.raises(InvalidToken):
            await cooling.principal(unknown)
    assert len(fetches) <= 4


async def test_diptych_token_signs_with_the_embedded_secret_kept_in_the_data_dir(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path)})
    token = issue_token(settings, "customer", "u-7", 60)
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0
    principal = await open_verifier(settings).principal(f"Bearer {token}")
    assert (principal.role, principal.user_id) == (Role.CUSTOMER, "u-7")
    other = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path / "elsewhere")})
    with pytest.raises(InvalidToken):
        await open_verifier(other).principal(f"Bearer {token}")


def test_diptych_token_refuses_when_tokens_come_from_an_identity_provider(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({"DIPTYCH_DATA_DIR": str(tmp_path),
                                  "DIPTYCH_JWT_JWKS_URL": "https://id.example/jwks.json"})
    with pytest.raises(SettingsError, match="identity provider"):
        issue_token(settings, "admin", None, 60)


class CountingKeys(SecretKey):
    def __init__(self, secret: bytes) -> None:
        super().__init__(secret)
        self.asked = 0

    async def key_for(self, token: str) -> Any:
        self.asked += 1
        return await super().key_for(token)


async def test_a_verified_token_is_remembered_for_a_minute_at_most_and_never_past_its_exp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = CountingKeys(SECRET)
    verifier = TokenVerifier(keys, TokenRules(algorithms=("HS256",), leeway=0))
    now = time.time()
    token = signed({"role": "admin", "exp": int(now) + 5})
    for _ in range(3):
        assert (await verifier.principal(token)).role is Role.ADMIN
    assert keys.asked == 1  # verified once, then remembered
    # Past its exp by the verifier's clock: not served from memory, verified again (PyJWT, on
    # its own clock, then decides; the memory never outlives the token).
    monkeypatch.setattr(time, "time", lambda: now + 6)
    await verifier.principal(token)
    assert keys.asked == 2
    lasting = signed({"role": "admin", "exp": soon()})
    await verifier.principal(lasting)
    monkeypatch.setattr(time, "time", lambda: now + 6 + 61)  # past VERIFIED_FOR
    await verifier.principal(lasting)
    assert keys.asked == 4


async def test_remembered_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("schema.access.authentication.VERIFIED_KEPT", 3)
    keys = CountingKeys(SECRET)
    verifier = TokenVerifier(keys, TokenRules(algorithms=("HS256",)))
    tokens = [signed({"role": "admin", "exp": soon(), "n": n}) for n in range(5)]
    for token in tokens:
        await verifier.principal(token)
    await verifier.principal(tokens[0])  # forgotten: verified again
    assert keys.asked == 6
