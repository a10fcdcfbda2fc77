from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

# Environment variable names (template.yaml sets them on AuthorizerFunction).
TOKEN_ISSUER = "TOKEN_ISSUER"
AUDIENCE = "AUDIENCE"
JWKS_URI = "JWKS_URI"
ALGORITHMS = "ALGORITHMS"
ALLOWED_CLIENT_IDS = "ALLOWED_CLIENT_IDS"
REQUIRED_TYP = "REQUIRED_TYP"
CLOCK_SKEW_SECONDS = "CLOCK_SKEW_SECONDS"
JWKS_TIMEOUT_SECONDS = "JWKS_TIMEOUT_SECONDS"
JWKS_COOLDOWN_SECONDS = "JWKS_COOLDOWN_SECONDS"
JWKS_MAX_AGE_SECONDS = "JWKS_MAX_AGE_SECONDS"
MAX_TOKEN_LENGTH = "MAX_TOKEN_LENGTH"
TOKEN_CACHE_SIZE = "TOKEN_CACHE_SIZE"
TOKEN_CACHE_SECONDS = "TOKEN_CACHE_SECONDS"

# Asymmetric algorithms only: HS* would let anyone holding the public key sign tokens.
SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class ConfigurationError(ValueError):
    """The authorizer's environment is wrong; the message says which variable and why."""


@dataclass(frozen=True)
class Settings:
    issuers: tuple[str, ...]
    audience: str | None = None
    jwks_uris: Mapping[str, str] | None = None
    algorithms: frozenset[str] = frozenset({"RS256"})
    allowed_client_ids: frozenset[str] = frozenset()
    required_typ: str | None = None
    clock_skew_seconds: float = 30.0
    jwks_timeout_seconds: float = 3.0
    jwks_cooldown_seconds: float = 30.0
    jwks_max_age_seconds: float = 3600.0
    # API Gateway refuses request headers over 10 KiB, so a longer token cannot be legitimate.
    max_token_length: int = 10240
    token_cache_size: int = 1024
    token_cache_seconds: float = 300.0

    def __post_init__(self) -> None:
        if not self.issuers:
            raise ConfigurationError(f"{TOKEN_ISSUER} is empty: set it to the issuer of your tokens")
        for issuer in self.issuers:
            _check_url(TOKEN_ISSUER, issuer)
        for uri in (self.jwks_uris or {}).values():
            _check_url(JWKS_URI, uri)
        if not self.audience and not self.allowed_client_ids:
            raise ConfigurationError(f"set {AUDIENCE} (or {ALLOWED_CLIENT_IDS} for tokens without aud, e.g. Cognito)")
        unknown = self.algorithms - SUPPORTED_ALGORITHMS
        if unknown or not self.algorithms:
            raise ConfigurationError(
                f"{ALGORITHMS}: {sorted(unknown) or 'empty'} not allowed; choose among {sorted(SUPPORTED_ALGORITHMS)}"
            )

    def jwks_uri_for(self, issuer: str) -> str | None:
        return (self.jwks_uris or {}).get(issuer)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        issuers = _split(env.get(TOKEN_ISSUER, ""), ",")
        jwks = _split(env.get(JWKS_URI, ""), ",")
        if jwks and len(jwks) != len(issuers):
            raise ConfigurationError(
                f"{JWKS_URI} names {len(jwks)} URL(s) for {len(issuers)} issuer(s): give one per issuer, "
                "in the same order, or leave it empty to use OpenID discovery"
            )
        return cls(
            issuers=issuers,
            audience=env.get(AUDIENCE, "").strip() or None,
            jwks_uris=dict(zip(issuers, jwks, strict=True)) if jwks else None,
            algorithms=frozenset(_split(env.get(ALGORITHMS, ""), ",") or ("RS256",)),
            allowed_client_ids=frozenset(_split(env.get(ALLOWED_CLIENT_IDS, ""), ",")),
            required_typ=env.get(REQUIRED_TYP, "").strip() or None,
            clock_skew_seconds=_number(env, CLOCK_SKEW_SECONDS, 30.0, maximum=600),
            # Half the function's Timeout (template.yaml: 10 s) at most: a slow JWKS must end as a 401,
            # not as a Lambda time-out, which API Gateway answers with a 500.
            jwks_timeout_seconds=_number(env, JWKS_TIMEOUT_SECONDS, 3.0, minimum=0.1, maximum=5),
            # Not 0: that would let a flood of unknown kids flood the issuer too.
            jwks_cooldown_seconds=_number(env, JWKS_COOLDOWN_SECONDS, 30.0, minimum=0.01, maximum=3600),
            jwks_max_age_seconds=_number(env, JWKS_MAX_AGE_SECONDS, 3600.0, minimum=1, maximum=86400),
            max_token_length=int(_number(env, MAX_TOKEN_LENGTH, 10240, minimum=512, maximum=65536)),
            token_cache_size=int(_number(env, TOKEN_CACHE_SIZE, 1024, maximum=100_000)),
            token_cache_seconds=_number(env, TOKEN_CACHE_SECONDS, 300.0, maximum=3600),
        )


def _check_url(name: str, url: str) -> None:
    # Keys fetched over plain http can be swapped by anyone on the path, and with them any token
    # forged: http is for an issuer on this machine only (the local runner's, a local Keycloak).
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    raise ConfigurationError(f"{name}: {url!r} must be an https URL (plain http only for localhost)")


def _split(value: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(sep) if part.strip())


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0, maximum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(f"{name}={raw!r} must be between {minimum:g} and {maximum:g}")
    return value
