from __future__ import annotations

import base64
import functools
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.exceptions import InvalidJTIError, InvalidSubjectError

from jwt_authorizer.config import Settings
from jwt_authorizer.jwks import Clock, Fetch, IssuerKeys, fetch_json
from jwt_authorizer.reasons import DenyReason, TokenRejectedError
from jwt_authorizer.scopes import granted_scopes
from jwt_authorizer.token_cache import VerifiedTokenCache, token_digest

# Three base64url segments and nothing else: no JWE (five), no unsigned token (empty third segment).
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MAX_KID_LENGTH = 256
BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")

# PyJWT's exceptions, most specific first, mapped to our reasons.
_PYJWT_REASONS: tuple[tuple[type[Exception], DenyReason], ...] = (
    (jwt.ExpiredSignatureError, DenyReason.EXPIRED),
    (jwt.ImmatureSignatureError, DenyReason.NOT_YET_VALID),
    (jwt.InvalidAudienceError, DenyReason.WRONG_AUDIENCE),
    (jwt.InvalidIssuerError, DenyReason.WRONG_ISSUER),
    (jwt.MissingRequiredClaimError, DenyReason.MISSING_CLAIM),
    (jwt.InvalidSignatureError, DenyReason.BAD_SIGNATURE),
    (jwt.InvalidAlgorithmError, DenyReason.ALG_NOT_ALLOWED),
    (jwt.InvalidKeyError, DenyReason.KEY_MISMATCH),
    (jwt.InvalidIssuedAtError, DenyReason.INVALID_CLAIM),
    (InvalidSubjectError, DenyReason.INVALID_CLAIM),
    (InvalidJTIError, DenyReason.INVALID_CLAIM),
)


@dataclass(frozen=True)
class VerifiedToken:
    principal_id: str
    issuer: str
    subject: str | None
    client_id: str | None
    scopes: tuple[str, ...]
    expires_at: float

    def context(self) -> dict[str, str]:
        """The authorizer context: API Gateway accepts only strings, numbers and booleans. Read-only:
        a cached token answers with the same dict every time."""
        return self._context

    @functools.cached_property
    def _context(self) -> dict[str, str]:
        return {"scope": " ".join(self.scopes), "sub": self.subject or "", "client_id": self.client_id or ""}


def bearer_token(authorization: Any, max_length: int) -> str:
    """The JWT from an `Authorization: Bearer <jwt>` value, or TokenRejectedError."""
    if not isinstance(authorization, str) or not authorization.strip():
        raise TokenRejectedError(DenyReason.MISSING_TOKEN, "no Authorization value")
    if len(authorization) > max_length:
        raise TokenRejectedError(DenyReason.TOKEN_TOO_LARGE, f"{len(authorization)} characters, limit {max_length}")
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise TokenRejectedError(DenyReason.MALFORMED, "not of the form 'Bearer <token>'")
    if not COMPACT_JWS.fullmatch(parts[1]):
        raise TokenRejectedError(DenyReason.MALFORMED, "not a compact JWS (three base64url segments)")
    return parts[1]


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, for choosing the key: ValueError unless the token has three segments and the
    header is canonical base64url (up to two '=' allowed, as PyJWT allows) of a JSON object.

    Not jwt.get_unverified_header: it decodes and checks all three segments, testing the alphabet one
    character at a time in Python, which on a typical access token cost as much as the signature check
    (profiled with bench/profile.py); jwt.decode, which runs next, checks all three segments again.
    """
    header = _segment_json(token, 0)
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload without any check, for choosing the issuer and for denial logs only.

    Decoded the same cheap way as the header: a junk token must not cost more than a valid one.
    """
    try:
        claims = _segment_json(token, 1)
    except (ValueError, TypeError, RecursionError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _segment_json(token: str, index: int) -> Any:
    segments = token.split(".")
    if len(segments) != 3:
        raise ValueError("not three segments")
    segment = segments[index].encode()
    stripped = segment.rstrip(b"=")
    padding = len(segment) - len(stripped)
    if padding > 2 or (padding and len(segment) % 4) or len(stripped) % 4 == 1 or not BASE64URL.fullmatch(stripped):
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(stripped + b"=" * (-len(stripped) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=") != stripped:
        raise ValueError("not canonical base64url")
    return json.loads(data)


class TokenValidator:
    """Verifies access tokens against the configured issuers' JWKS."""

    def __init__(
        self,
        settings: Settings,
        *,
        log: Any = None,
        fetch: Fetch = fetch_json,
        clock: Clock = time.monotonic,
    ) -> None:
        self.settings = settings
        self.keys = {
            issuer: IssuerKeys(
                issuer,
                settings.jwks_uri_for(issuer),
                timeout=settings.jwks_timeout_seconds,
                cooldown=settings.jwks_cooldown_seconds,
                max_age=settings.jwks_max_age_seconds,
                log=log,
                fetch=fetch,
                clock=clock,
            )
            for issuer in settings.issuers
        }
        self._cache: VerifiedTokenCache[VerifiedToken] = VerifiedTokenCache(
            settings.token_cache_size, settings.token_cache_seconds
        )
        self._decode_options: dict[str, Any] = {
            "require": ["exp", "iss"],
            "verify_aud": settings.audience is not None,
            "enforce_minimum_key_length": True,
        }

    def verify_authorization(self, authorization: Any) -> VerifiedToken:
        """Verify an `Authorization` value; a value verified before is answered before any parsing."""
        limit = self.settings.max_token_length
        if not isinstance(authorization, str) or len(authorization) > limit:
            return self.verify(bearer_token(authorization, limit))  # refused there, before any cost
        return self._cached_or_verified(authorization, lambda: bearer_token(authorization, limit))

    def verify(self, token: str) -> VerifiedToken:
        """Verify a bare token (no "Bearer " scheme)."""
        if len(token) > self.settings.max_token_length:
            raise TokenRejectedError(DenyReason.TOKEN_TOO_LARGE, f"limit {self.settings.max_token_length}")
        return self._cached_or_verified(token, lambda: token)

    def _cached_or_verified(self, text: str, token_of: Callable[[], str]) -> VerifiedToken:
        digest = token_digest(text)
        cached = self._cache.get(digest, self._keys_generation())
        if cached is not None:
            return cached
        return self._verify(token_of(), digest)

    def _verify(self, token: str, digest: bytes) -> VerifiedToken:
        header = self._checked_header(token)
        issuer = self._issuer_for(token)
        before = self._keys_generation()
        key = self.keys[issuer].key_for(header.get("kid"), header["alg"])
        claims = self._decode(token, key, header["alg"], issuer)
        verified = self._verified(claims, issuer)
        # Remembered only if no key set changed meanwhile: a key removed by a concurrent refresh must
        # not go on vouching from the cache. (At cold start this skips one entry: the fetch moved it.)
        if self._keys_generation() == before:
            self._cache.put(digest, verified, verified.expires_at, before)
        return verified

    def _keys_generation(self) -> tuple[int, ...]:
        return tuple(keys.generation for keys in self.keys.values())

    def _checked_header(self, token: str) -> dict[str, Any]:
        try:
            header = unverified_header(token)
        except (ValueError, TypeError, RecursionError):
            raise TokenRejectedError(DenyReason.MALFORMED, "the JOSE header is not valid base64url JSON") from None
        # In the order jwt.get_unverified_header refused them: a kid that is not a string, then any crit.
        if "kid" in header and not isinstance(header["kid"], str):
            raise TokenRejectedError(DenyReason.MALFORMED, "kid is not a short string")
        if "crit" in header:
            raise TokenRejectedError(DenyReason.UNSUPPORTED_CRIT, "critical header extensions are not supported")
        alg = header.get("alg")
        # Before any key lookup: 'none', HS* and anything unlisted never reach a key.
        if not isinstance(alg, str) or alg not in self.settings.algorithms:
            raise TokenRejectedError(DenyReason.ALG_NOT_ALLOWED, f"alg {str(alg)[:20]!r} is not allowed")
        kid = header.get("kid")
        if kid is not None and (not kid or len(kid) > MAX_KID_LENGTH):
            raise TokenRejectedError(DenyReason.MALFORMED, "kid is not a short string")
        required = self.settings.required_typ
        if required and _media_type(header.get("typ")) != _media_type(required):
            raise TokenRejectedError(
                DenyReason.WRONG_TYP, f"typ {str(header.get('typ'))[:40]!r}, expected {required!r}"
            )
        return header

    def _issuer_for(self, token: str) -> str:
        if len(self.keys) == 1:
            return next(iter(self.keys))
        # Several issuers: the claimed one picks whose keys to try; the signature check then
        # proves it, and PyJWT's iss check keeps issuer A's keys from vouching for issuer B.
        claimed = unverified_claims(token).get("iss")
        if isinstance(claimed, str) and claimed in self.keys:
            return claimed
        raise TokenRejectedError(
            DenyReason.WRONG_ISSUER, "iss is none of the configured issuers", hint=self._hint(token)
        )

    def _decode(self, token: str, key: Any, alg: str, issuer: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.settings.audience,
                issuer=issuer,
                leeway=self.settings.clock_skew_seconds,
                options=self._decode_options,  # type: ignore[arg-type]
            )
        except jwt.PyJWTError as error:
            for kind, reason in _PYJWT_REASONS:
                if isinstance(error, kind):
                    hint = self._hint(token) if reason is DenyReason.WRONG_ISSUER else None
                    raise TokenRejectedError(reason, str(error), hint=hint) from None
            raise TokenRejectedError(DenyReason.MALFORMED, str(error)) from None

    def _verified(self, claims: Mapping[str, Any], issuer: str) -> VerifiedToken:
        for name in ("exp", "nbf", "iat"):
            if name in claims and not _numeric_date(claims[name]):
                raise TokenRejectedError(DenyReason.INVALID_CLAIM, f"{name} is not a NumericDate")
        token_use = claims.get("token_use")
        if token_use is not None and token_use != "access":
            raise TokenRejectedError(DenyReason.WRONG_TOKEN_USE, "token_use is not 'access' (an ID token?)")
        client_id = _text(claims.get("client_id")) or _text(claims.get("azp"))
        allowed = self.settings.allowed_client_ids
        if allowed and client_id not in allowed:
            raise TokenRejectedError(DenyReason.CLIENT_NOT_ALLOWED, "client_id is not in ALLOWED_CLIENT_IDS")
        subject = _text(claims.get("sub"))
        principal = subject or client_id
        if principal is None:
            raise TokenRejectedError(DenyReason.MISSING_CLAIM, "neither sub nor client_id names a principal")
        return VerifiedToken(
            principal_id=principal,
            issuer=issuer,
            subject=subject,
            client_id=client_id,
            scopes=granted_scopes(claims),
            expires_at=float(claims["exp"]),
        )

    def _hint(self, token: str) -> str | None:
        claimed = unverified_claims(token).get("iss")
        if not isinstance(claimed, str):
            return None
        for issuer in self.keys:
            if claimed != issuer and claimed.rstrip("/") == issuer.rstrip("/"):
                return _loggable(
                    f"the token's iss {claimed[:200]!r} differs from the configured issuer {issuer!r} only by "
                    "a trailing slash: set TOKEN_ISSUER to exactly the token's iss (Auth0 ends it with '/')"
                )
        return None


def _numeric_date(value: Any) -> bool:
    # Seconds since 1970 as a JSON number: not a boolean, not a string, finite (10**400 is a valid JSON
    # integer that no float holds).
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _media_type(value: Any) -> str:
    # RFC 9068 section 4: "at+jwt" and "application/at+jwt" are the same, case-insensitively.
    text = str(value or "").lower()
    return text.removeprefix("application/")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def token_summary(authorization: Any, max_length: int) -> dict[str, str]:
    """What a denial log may say about a token: its claimed kid, iss and sub, truncated, never the token."""
    if not isinstance(authorization, str) or len(authorization) > max_length:
        return {}
    parts = authorization.split()
    token = parts[-1] if parts else ""
    try:
        header = unverified_header(token)
    except (ValueError, TypeError, RecursionError):
        header = {}
    claims = unverified_claims(token)
    summary = {"kid": header.get("kid"), "iss": claims.get("iss"), "sub": claims.get("sub")}
    return {name: _loggable(str(value)[:128]) for name, value in summary.items() if isinstance(value, str | int)}


def _loggable(text: str) -> str:
    # Claimed values are the caller's words: escape what is not printable. A lone surrogate (JSON
    # "\ud800") cannot be written to a UTF-8 stdout at all (the whole line would be lost), and control
    # or line-separator characters would split or garble the line for whatever reads the log.
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
