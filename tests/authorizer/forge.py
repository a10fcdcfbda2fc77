"""An attacker's toolkit: compact JWS built by hand, with whatever header, payload and signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt

from tests.support.keys import SigningKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    """A JSON value (or raw bytes) as one base64url segment."""
    return b64url(value if isinstance(value, bytes) else json.dumps(value).encode())


def compact(header: Any, payload: Any, signature: str = "c2lnbmF0dXJl") -> str:
    return f"{segment(header)}.{segment(payload)}.{signature}"


def hmac_signed(header: dict[str, Any], payload: Any, secret: bytes, alg: str = "HS256") -> str:
    """An HS* token keyed with `secret`, the way an algorithm-confusion attack builds it."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = f"{segment({**header, 'alg': alg})}.{segment(payload)}"
    return f"{signing_input}.{b64url(hmac.new(secret, signing_input.encode(), digest).digest())}"


def signed_bytes(key: SigningKey, payload: bytes, **header: Any) -> str:
    """A valid signature by `key` over any payload bytes (not JSON, an array, ...)."""
    return jwt.api_jws.encode(payload, key.private_key, algorithm=key.alg, headers={"kid": key.kid, **header})


def split(token: str) -> tuple[str, str, str]:
    header, payload, signature = token.split(".")
    return header, payload, signature
