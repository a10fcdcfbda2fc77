"""Real signing keys and real tokens for the tests: RSA, EC and Ed25519, as issuers use them."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://tenant.example.auth0.com/"
AUDIENCE = "https://api.example.com"


@dataclass
class SigningKey:
    alg: str
    private_key: Any
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:16])

    @classmethod
    def generate(cls, alg: str = "RS256", kid: str | None = None) -> SigningKey:
        if alg.startswith(("RS", "PS")):
            private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "ES384":
            private = ec.generate_private_key(ec.SECP384R1())
        elif alg == "ES512":
            private = ec.generate_private_key(ec.SECP521R1())
        elif alg == "EdDSA":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)
        return cls(alg, private, kid or uuid.uuid4().hex[:16])

    def jwk(self, **extra: Any) -> dict[str, Any]:
        """The public JWK, as an issuer publishes it."""
        public = self.private_key.public_key()
        if self.alg.startswith(("RS", "PS")):
            data = RSAAlgorithm.to_jwk(public, as_dict=True)
        elif self.alg.startswith("ES"):
            data = ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = OKPAlgorithm.to_jwk(public, as_dict=True)
        return {**data, "kid": self.kid, "use": "sig", "alg": self.alg, **extra}

    def sign(
        self,
        claims: dict[str, Any] | None = None,
        *,
        headers: dict[str, Any] | None = None,
        include_kid: bool = True,
        **overrides: Any,
    ) -> str:
        """A token with sensible Auth0-like claims, overridable; a claim set to None is left out."""
        payload = {**standard_claims(), **(claims or {}), **overrides}
        payload = {name: value for name, value in payload.items() if value is not None}
        header = {"kid": self.kid} if include_kid else {}
        return jwt.encode(payload, self.private_key, algorithm=self.alg, headers={**header, **(headers or {})})


def standard_claims(now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    return {
        "iss": ISSUER,
        "sub": "m2m-client@clients",
        "aud": AUDIENCE,
        "iat": int(now),
        "exp": int(now) + 3600,
        "scope": "read:messages",
        "azp": "m2m-client",
        "gty": "client-credentials",
    }


def jwks(*keys: SigningKey | dict[str, Any]) -> dict[str, Any]:
    return {"keys": [key.jwk() if isinstance(key, SigningKey) else key for key in keys]}
