"""A forged consistency token is refused as bad input at once, before any wait."""

from __future__ import annotations

import base64

import pytest

from read.freshness.consistency import ConsistencyToken
from read.query.query_errors import InvalidQuery


def forged(body: str) -> str:
    return "v1." + base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    forged('["user","x",1,1e999]'),  # int(inf) would overflow
    forged("[" * 5000 + "]" * 5000),  # json's recursion
    forged('["widget","x",1,1]'),  # a kind no projection writes: would wait the whole timeout
    forged('["user","x",1.5,1]'),
    forged('["user","x",true,1]'),
    forged('["user",NaN,1,1]'),  # encode never writes NaN: no document has the id "nan"
    "v1." + "A" * 10_000,
    "garbage",
])
def test_a_forged_token_is_a_bad_user_input_on_the_consistency_field(token: str) -> None:
    with pytest.raises(InvalidQuery) as refused:
        ConsistencyToken.decode(token)
    assert refused.value.field == "consistency"


def test_a_real_token_still_decodes() -> None:
    token = ConsistencyToken("order", "00000000-0000-4000-8000-000000000001", 3, 10**12)
    assert ConsistencyToken.decode(token.encode()) == token
    assert len(token.encode()) < 200


def test_a_token_issued_before_the_shared_codec_still_decodes() -> None:
    """read/opaque_strings.py keeps the format byte for byte: tokens clients hold stay good."""
    issued = ("v1.WyJvcmRlciIsIjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSIsMywx"
              "MDAwMDAwMDAwMDAwXQ")
    token = ConsistencyToken("order", "00000000-0000-4000-8000-000000000001", 3, 10**12)
    assert ConsistencyToken.decode(issued) == token
    assert token.encode() == issued
