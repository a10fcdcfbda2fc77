"""An embedded OAuth 2.0 development issuer: client-credentials tokens shaped like Auth0 M2M tokens.

Only for local use (it runs when no TOKEN_ISSUER is configured). One confidential client, an RS256 key
made at start-up, OpenID discovery and JWKS documents, RFC 6749 errors.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local_api.http import HttpRequest, HttpResponse

DEFAULT_AUDIENCE = "https://protected-api.localhost"
DEFAULT_CLIENT_ID = "local-client"
DEFAULT_CLIENT_SECRET = "local-secret"
DEFAULT_TTL = 3600
TOKEN_PATH = "/oauth/token"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"
GRANT_TYPE = "client_credentials"


class TokenRequestError(Exception):
    """An RFC 6749 section 5.2 error answer."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


@dataclass(frozen=True)
class IssuerSettings:
    base_url: str  # http://localhost:{port}/ (the issuer, with Auth0's trailing slash)
    audience: str = DEFAULT_AUDIENCE
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    scopes: tuple[str, ...] = ()
    token_ttl: int = DEFAULT_TTL


def _json(status: int, body: Any, extra: Sequence[tuple[str, str]] = (), origin: str | None = None) -> HttpResponse:
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")]
    if origin:
        # Readable by the API explorer's page, on its own origin: it posts form-encoded, a CORS "simple
        # request" that needs no preflight, only this header on the answer. Not "*": the client secret
        # is public, so any web page open in the developer's browser could otherwise mint tokens here.
        headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    return HttpResponse(status, headers + list(extra), json.dumps(body).encode())


class DevIssuer:
    def __init__(self, settings: IssuerSettings):
        self.settings = settings
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]
        jwk = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    @property
    def issuer(self) -> str:
        return self.settings.base_url

    def url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def handles(self, path: str) -> bool:
        return path in (TOKEN_PATH, DISCOVERY_PATH, JWKS_PATH)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.url(JWKS_PATH),
            "token_endpoint": self.url(TOKEN_PATH),
            "grant_types_supported": [GRANT_TYPE],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["token"],
            "scopes_supported": list(self.settings.scopes),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def handle(self, request: HttpRequest, browser_origins: frozenset[str] = frozenset()) -> HttpResponse:
        """Answer a request for one of the issuer's paths; only `browser_origins` may read it cross-origin."""
        origin = request.header("Origin")
        origin = origin if origin in browser_origins else None
        if request.path in (DISCOVERY_PATH, JWKS_PATH):
            if request.method not in ("GET", "HEAD"):
                return HttpResponse(405, [("Allow", "GET, HEAD")], b"")
            return _json(200, self.discovery() if request.path == DISCOVERY_PATH else self.jwks, origin=origin)
        if request.method != "POST":
            return HttpResponse(405, [("Allow", "POST")], b"")
        try:
            return _json(200, self.token_response(request), origin=origin)
        except TokenRequestError as error:
            extra = [("WWW-Authenticate", 'Basic realm="local-api"')] if error.status == 401 else []
            body = {"error": error.error, "error_description": error.description}
            return _json(error.status, body, extra, origin=origin)

    # The token endpoint -------------------------------------------------------------------------

    @staticmethod
    def _parameters(request: HttpRequest) -> dict[str, str]:
        content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/json":
            try:
                data = json.loads(request.body or b"{}")
            except ValueError:
                raise TokenRequestError(400, "invalid_request", "the body is not valid JSON") from None
            if not isinstance(data, dict):
                raise TokenRequestError(400, "invalid_request", "the body must be a JSON object")
            if not all(isinstance(value, str) for value in data.values()):
                raise TokenRequestError(400, "invalid_request", "every parameter must be a string")
            return data
        if content_type == "application/x-www-form-urlencoded":
            pairs = parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
            names = [name for name, _ in pairs]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise TokenRequestError(400, "invalid_request", f"repeated parameter(s): {', '.join(repeated)}")
            return dict(pairs)
        raise TokenRequestError(
            400, "invalid_request", "send application/x-www-form-urlencoded (or application/json) parameters"
        )

    @staticmethod
    def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
        header = request.header("Authorization")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            raise TokenRequestError(401, "invalid_client", "use HTTP Basic or client_secret in the body")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise TokenRequestError(401, "invalid_client", "malformed HTTP Basic credentials") from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise TokenRequestError(401, "invalid_client", "malformed HTTP Basic credentials")
        return unquote_plus(client_id), unquote_plus(secret)

    def _authenticate(self, request: HttpRequest, params: dict[str, str]) -> str:
        basic = self._basic_credentials(request)
        if basic and "client_secret" in params:
            raise TokenRequestError(400, "invalid_request", "use one client authentication method, not two")
        client_id, secret = basic or (params.get("client_id", ""), params.get("client_secret", ""))
        if basic and params.get("client_id") not in (None, client_id):
            raise TokenRequestError(400, "invalid_request", "client_id differs from the HTTP Basic user")
        if not client_id or not secret:
            raise TokenRequestError(401, "invalid_client", "client authentication is required")
        expected = f"{self.settings.client_id}\x00{self.settings.client_secret}".encode()
        if not hmac.compare_digest(f"{client_id}\x00{secret}".encode(), expected):
            raise TokenRequestError(401, "invalid_client", "unknown client or wrong secret")
        return client_id

    def token_response(self, request: HttpRequest) -> dict[str, Any]:
        params = self._parameters(request)
        grant_type = params.get("grant_type")
        if not grant_type:
            raise TokenRequestError(400, "invalid_request", "grant_type is required")
        client_id = self._authenticate(request, params)
        if grant_type != GRANT_TYPE:
            raise TokenRequestError(400, "unsupported_grant_type", f"only {GRANT_TYPE} is supported")
        audience = params.get("audience") or self.settings.audience
        if audience != self.settings.audience:
            raise TokenRequestError(403, "access_denied", f"Service not found: {audience}")
        if "scope" in params:
            requested = params["scope"].split()
            refused = [scope for scope in requested if scope not in self.settings.scopes]
            if refused:
                raise TokenRequestError(400, "invalid_scope", f"scope not allowed for this client: {' '.join(refused)}")
            granted = list(dict.fromkeys(requested))
        else:
            granted = list(self.settings.scopes)
        scope = " ".join(granted)
        return {
            "access_token": self.issue(client_id, audience, scope),
            "token_type": "Bearer",
            "expires_in": self.settings.token_ttl,
            "scope": scope,
        }

    def issue(self, client_id: str, audience: str, scope: str, now: float | None = None) -> str:
        """A signed access token like Auth0's for a machine-to-machine client."""
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.issuer,
            "sub": f"{client_id}@clients",
            "aud": audience,
            "iat": issued,
            "exp": issued + self.settings.token_ttl,
            "scope": scope,
            "azp": client_id,
            "gty": "client-credentials",
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})
