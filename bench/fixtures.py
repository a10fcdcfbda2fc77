"""Keys, tokens and the environment every bench process shares, written once per run to a work dir."""

from __future__ import annotations

import json
import os
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from tests.support.keys import SigningKey, jwks

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
AUDIENCE = "https://api.example.com"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/api/private"

# Environment the template gives AuthorizerFunction (Globals + its own variables); the issuer is the bench's server.
POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": "protected-api",
    "POWERTOOLS_METRICS_NAMESPACE": "ProtectedApi",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def authorizer_env(issuer: str, **extra: str) -> dict[str, str]:
    """A clean environment for a process running authorizer/app.py, as template.yaml configures it."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("POWERTOOLS_", "JWKS_"))}
    env.update(POWERTOOLS_ENV)
    env.update(
        {
            "TOKEN_ISSUER": issuer,
            "AUDIENCE": AUDIENCE,
            "JWKS_URI": "",
            "ALGORITHMS": "RS256",
            "ALLOWED_CLIENT_IDS": "",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "authorizer"), str(ROOT)]),
        }
    )
    env.update(extra)
    return env


def event(token: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": METHOD_ARN}


@dataclass
class Fixtures:
    """Three published RSA keys, tokens signed by them, and tokens whose kid the JWKS does not hold."""

    issuer: str
    jwks: dict[str, Any]
    public_pems: dict[str, str]
    tokens: list[str]
    unknown_kid_tokens: list[str]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__))

    @classmethod
    def load(cls, path: Path) -> Fixtures:
        return cls(**json.loads(path.read_text()))


def _pem(key: SigningKey) -> str:
    public = key.private_key.public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _sign_batch(args: tuple[bytes, str, str, int, int, bool]) -> list[str]:
    pem, kid, issuer, start, count, unknown = args
    key = SigningKey("RS256", serialization.load_pem_private_key(pem, password=None), kid)
    tokens = []
    for n in range(start, start + count):
        claims = {"iss": issuer, "aud": AUDIENCE, "sub": f"client-{n}@clients", "jti": uuid.uuid4().hex}
        if unknown:
            tokens.append(key.sign(claims, headers={"kid": f"rotated-{n}"}))
        else:
            tokens.append(key.sign(claims))
    return tokens


def make_fixtures(issuer: str, count: int, unknown: int) -> Fixtures:
    """`count` distinct valid tokens spread over three keys, and `unknown` tokens with distinct unknown kids."""
    keys = [SigningKey.generate("RS256", kid=f"bench-key-{n}") for n in range(3)]
    stranger = SigningKey.generate("RS256", kid="unpublished")
    pems = {
        key.kid: key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        for key in [*keys, stranger]
    }
    step = 500
    jobs = [
        (pems[keys[(n // step) % 3].kid], keys[(n // step) % 3].kid, issuer, n, min(step, count - n), False)
        for n in range(0, count, step)
    ]
    jobs += [
        (pems["unpublished"], "unpublished", issuer, n, min(step, unknown - n), True) for n in range(0, unknown, step)
    ]
    with ProcessPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        batches = list(pool.map(_sign_batch, jobs))
    valid = [token for batch in batches[: len(batches) - len(range(0, unknown, step))] for token in batch]
    strangers = [token for batch in batches[len(batches) - len(range(0, unknown, step)) :] for token in batch]
    # Interleave the three keys so every stretch of tokens uses all of them.
    valid = [valid[i] for offset in range(step) for i in range(offset, len(valid), step)]
    return Fixtures(
        issuer=issuer,
        jwks=jwks(*keys),
        public_pems={key.kid: _pem(key) for key in keys},
        tokens=valid,
        unknown_kid_tokens=strangers,
    )
