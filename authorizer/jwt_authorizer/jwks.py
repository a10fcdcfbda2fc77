"""An issuer's signing keys: found by OpenID discovery, fetched with a hard deadline, kept warm.

Rules, in the order they matter under attack or outage:
- keys come only from the configured issuer's JWKS, never from the token;
- an unknown `kid` refetches the JWKS at most once per cooldown, whatever the traffic;
- a failed refresh keeps the last good keys, and is logged once per outage, not per request;
- with no keys at all (cold start during an outage) every token is refused until a fetch succeeds.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from jwt import PyJWK

from jwt_authorizer.reasons import DenyReason, TokenRejectedError

MAX_DOCUMENT_BYTES = 1 << 20
MAX_REDIRECTS = 3
# With no keys held there is nothing to protect by waiting a whole cooldown: retry soon, but not per request.
EMPTY_RETRY_SECONDS = 1.0

# Which key a token's `alg` may be verified with (RFC 7518 section 3, RFC 8037).
KEY_SHAPES: dict[str, tuple[str, frozenset[str] | None]] = {
    **{alg: ("RSA", None) for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")},
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
}

# RFC 7518 section 6: members only a private key has.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

Fetch = Callable[[str, float], Any]
Clock = Callable[[], float]


class JwksFetchError(Exception):
    """The discovery document or JWKS could not be had; the message is safe to log."""


def fetch_json(url: str, deadline: float) -> Any:
    """GET a JSON document; the caller gets it, or JwksFetchError, by `deadline` whatever happens.

    The fetch runs in a worker thread that the caller waits for until the deadline only: the name
    lookup, and a connection that tries each of the host's addresses with the full timeout in turn,
    are beyond any socket timeout. A late worker is abandoned; its own watchdog ends it soon after.
    """
    outcome: dict[str, Any] = {}

    def fetch() -> None:
        try:
            outcome["document"] = _fetch_json(url, deadline)
        except JwksFetchError as error:
            outcome["error"] = error
        except Exception as error:  # a malformed URL or Location (ValueError, UnicodeError, ...)
            outcome["error"] = JwksFetchError(f"{url} could not be fetched: {type(error).__name__}")

    worker = threading.Thread(target=fetch, name="jwks-fetch", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise JwksFetchError(f"{url} did not answer in time")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["document"]


def _fetch_json(url: str, deadline: float) -> Any:
    # A per-socket timeout alone would let a server that drips one byte a second hold the request
    # for ever, so a watchdog shuts the socket down when the deadline passes.
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise JwksFetchError(f"not an http(s) URL: {url}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise JwksFetchError("timed out")
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=remaining, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=remaining)
        connected: list[socket.socket] = []
        watchdog = threading.Timer(remaining, _shut_down, args=(conn, connected))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.connect()
            # http.client forgets conn.sock as soon as a response says "Connection: close" (any
            # HTTP/1.0 server): keep it, or the watchdog could not cut a dripping body short.
            connected.append(conn.sock)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", target, headers={"Accept": "application/json", "User-Agent": "jwt-authorizer"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                location = urljoin(url, response.getheader("Location", ""))
                # Keys fetched over TLS must not be handed over to plain http, where anyone could swap them.
                if parts.scheme == "https" and urlsplit(location).scheme != "https":
                    raise JwksFetchError(f"{url} redirects to a URL that is not https")
                url = location
                continue
            if response.status != 200:
                raise JwksFetchError(f"{url} answered HTTP {response.status}")
            body = response.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, http.client.HTTPException) as error:
            if time.monotonic() >= deadline:
                raise JwksFetchError(f"{url} did not answer in time") from None
            raise JwksFetchError(f"{url} unreachable: {type(error).__name__}") from None
        finally:
            watchdog.cancel()
            conn.close()
        if time.monotonic() >= deadline:
            raise JwksFetchError(f"{url} did not answer in time")
        if len(body) > MAX_DOCUMENT_BYTES:
            raise JwksFetchError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise JwksFetchError(f"{url} did not answer JSON") from None
    raise JwksFetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _shut_down(conn: http.client.HTTPConnection, connected: list[socket.socket]) -> None:
    for sock in (conn.sock, *connected):
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def signing_keys(document: Any) -> list[dict[str, Any]]:
    """The JWKs of a JWK Set that can verify signatures; `use: enc` and symmetric keys are dropped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksFetchError("the JWKS is not a JSON object with a 'keys' array")
    keys = []
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") not in ("RSA", "EC", "OKP"):
            continue
        if jwk.get("use", "sig") != "sig" or not isinstance(jwk.get("kid", ""), str):
            continue
        ops = jwk.get("key_ops")
        if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
            continue
        if not isinstance(jwk.get("crv", ""), str) or PRIVATE_MEMBERS.intersection(jwk):
            # A private key in a public JWKS is a leaked key: it verifies nothing here.
            continue
        keys.append(jwk)
    if not keys:
        raise JwksFetchError("the JWKS holds no signing key")
    return keys


def fits(jwk: dict[str, Any], alg: str) -> bool:
    """True when a token signed with `alg` may be verified with this JWK."""
    kty, curves = KEY_SHAPES[alg]
    if jwk.get("kty") != kty or (curves is not None and jwk.get("crv") not in curves):
        return False
    return jwk.get("alg", alg) == alg


class IssuerKeys:
    """The signing keys of one issuer, fetched on first use and kept for the container's life."""

    def __init__(
        self,
        issuer: str,
        jwks_uri: str | None = None,
        *,
        timeout: float = 3.0,
        cooldown: float = 30.0,
        max_age: float = 3600.0,
        log: logging.Logger | Any = None,
        fetch: Fetch = fetch_json,
        clock: Clock = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self._configured_uri = jwks_uri
        self._discovered_uri: str | None = None
        self._timeout = timeout
        self._cooldown = cooldown
        self._max_age = max_age
        self._log = log or logging.getLogger(__name__)
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._by_kid: dict[str | None, list[dict[str, Any]]] = {}
        self._count = 0
        self._parsed: dict[tuple[str | None, str], Any] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._failing = False
        # Bumped on every successful fetch, so callers can drop what they derived from older keys.
        self.generation = 0
        self.fetch_count = 0

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def fallback_jwks_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/jwks.json"

    def key_for(self, kid: str | None, alg: str) -> Any:
        """The public key that verifies a token with this `kid` and `alg`, or TokenRejectedError."""
        self._load_if_needed()
        candidates = self._candidates(kid)
        if candidates is None and kid is not None and self._may_refetch(self._cooldown):
            self._refresh(self._cooldown)
            candidates = self._candidates(kid)
        if candidates is None:
            raise TokenRejectedError(DenyReason.UNKNOWN_KID, "no key with this kid in the issuer's JWKS")
        return self._parsed_key(kid, alg, candidates)

    def _load_if_needed(self) -> None:
        if self._fetched_at is None:
            retry = min(self._cooldown, EMPTY_RETRY_SECONDS)
            if self._may_refetch(retry):
                self._refresh(retry)
            if self._fetched_at is None:
                raise TokenRejectedError(DenyReason.JWKS_UNAVAILABLE, "no signing keys could be fetched yet")
        elif self._clock() - self._fetched_at >= self._max_age and self._may_refetch(self._cooldown):
            self._refresh(self._cooldown)

    def _may_refetch(self, interval: float) -> bool:
        return self._attempted_at is None or self._clock() - self._attempted_at >= interval

    def _candidates(self, kid: str | None) -> list[dict[str, Any]] | None:
        if kid is None:
            # Without a kid there is no telling keys apart: only an unambiguous key set will do.
            if self._count != 1:
                raise TokenRejectedError(
                    DenyReason.MISSING_KID, f"the token has no kid and the JWKS holds {self._count} signing keys"
                )
            return next(iter(self._by_kid.values()))
        return self._by_kid.get(kid)

    def _parsed_key(self, kid: str | None, alg: str, candidates: list[dict[str, Any]]) -> Any:
        cached = self._parsed.get((kid, alg))
        if cached is not None:
            return cached
        for jwk in candidates:
            if fits(jwk, alg):
                try:
                    key = PyJWK(jwk, algorithm=alg).key
                except Exception:  # noqa: S112 - a malformed JWK (odd fields, a point off the curve): try the next
                    continue
                self._parsed[(kid, alg)] = key
                return key
        raise TokenRejectedError(DenyReason.KEY_MISMATCH, f"the key with this kid cannot verify {alg}")

    def _refresh(self, interval: float) -> None:
        with self._lock:
            if not self._may_refetch(interval):
                return  # another thread tried while this one waited: one fetch per interval is enough
            self._attempted_at = self._clock()
            self.fetch_count += 1
            deadline = time.monotonic() + self._timeout
            try:
                keys = signing_keys(self._fetch(self._jwks_uri(deadline), deadline))
            except JwksFetchError as error:
                if not self._failing:
                    self._failing = True
                    self._log.warning(
                        "JWKS refresh failed; keeping the keys already held",
                        extra={"issuer": self.issuer, "error": str(error), "keys_held": self._count},
                    )
                return
            by_kid: dict[str | None, list[dict[str, Any]]] = {}
            for jwk in keys:
                by_kid.setdefault(jwk.get("kid"), []).append(jwk)
            self._by_kid, self._count, self._parsed = by_kid, len(keys), {}
            self._fetched_at = self._attempted_at
            self.generation += 1
            if self._failing:
                self._failing = False
                self._log.info("JWKS refresh recovered", extra={"issuer": self.issuer, "keys_held": self._count})

    def _jwks_uri(self, deadline: float) -> str:
        if self._configured_uri:
            return self._configured_uri
        if self._discovered_uri:
            return self._discovered_uri
        try:
            document = self._fetch(self.discovery_url, deadline)
        except JwksFetchError as error:
            if not self._failing:  # once per outage, like the refresh failure itself
                self._log.info(
                    "OpenID discovery unavailable; trying /.well-known/jwks.json",
                    extra={"issuer": self.issuer, "error": str(error)},
                )
            return self.fallback_jwks_url
        uri = document.get("jwks_uri") if isinstance(document, dict) else None
        if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
            raise JwksFetchError(f"{self.discovery_url} has no usable jwks_uri")
        if self.discovery_url.startswith("https://") and not uri.startswith("https://"):
            raise JwksFetchError(f"{self.discovery_url} names a jwks_uri that is not https")
        named = document.get("issuer")
        if named != self.issuer:
            if not isinstance(named, str) or named.rstrip("/") != self.issuer.rstrip("/"):
                raise JwksFetchError(f"{self.discovery_url} names issuer {str(named)[:200]!r}, not {self.issuer!r}")
            # The most common Auth0 mistake. The keys are this issuer's all the same: use them, so that
            # each denial is the token's wrong_issuer with its plain-words hint, not a JWKS outage.
            self._log.warning(
                "TOKEN_ISSUER differs from the issuer's own name only by a trailing slash",
                extra={
                    "issuer": self.issuer,
                    "hint": f"the issuer calls itself {named[:200]!r}: set TOKEN_ISSUER to exactly that",
                },
            )
        self._discovered_uri = uri
        return uri
