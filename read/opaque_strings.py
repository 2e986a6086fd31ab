"""Opaque strings the read side hands to clients and takes back: compact JSON in unpadded URL-safe
base64 (list cursors, consistency tokens). What comes back may be forged, so `decode` checks the
length before decoding anything and refuses all it cannot read with one error."""

from __future__ import annotations

import base64
import json
from typing import Any


class NotOpaque(ValueError):
    """Not a string that `encode` made, or longer than the caller's bound."""


def encode(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(text: str, max_length: int) -> Any:
    """The JSON value in `text`; NotOpaque if `text` is longer than `max_length` (before
    decoding: the size is the attack), not base64 of JSON, or holds NaN or Infinity (encode never
    writes them)."""
    if len(text) > max_length:
        raise NotOpaque(f"longer than {max_length} characters")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, TypeError, RecursionError) as error:  # deep nesting: "[[[[..."
        raise NotOpaque(str(error)) from error


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a value encode writes")

