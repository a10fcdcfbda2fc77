"""A machine-to-machine caller of the API: client-credentials token, reused until shortly before it expires.

Auth0 (and most issuers) bill or rate-limit token requests: a caller must not ask for a token per
API call. `TokenProvider` keeps one token in memory per process and shares it between threads.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

DEFAULT_TIMEOUT = 10.0
# Renew this long before `expires_in` runs out, so no request leaves with a token about to expire
# (the gateway and the issuer's clocks may also differ by a few seconds).
DEFAULT_EARLY_RENEWAL = 60.0
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class M2MClientError(Exception):
    """Base of every error this client raises; the message says what to check."""


class ConfigurationError(M2MClientError):
    """A setting is missing or malformed."""


class IssuerUnreachableError(M2MClientError):
    """The token endpoint could not be reached (DNS, connection, TLS or timeout)."""


class TokenRequestError(M2MClientError):
    """The issuer refused the token request (RFC 6749 section 5.2 error)."""

    def __init__(self, message: str, status: int, error: str, description: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.description = description


class InvalidClientError(TokenRequestError):
    """401 invalid_client: unknown client id or wrong client secret."""


class ApiError(M2MClientError):
    """The API answered 401 or 403; `challenge` holds the WWW-Authenticate parameters."""

    def __init__(self, message: str, status: int, challenge: dict[str, str], body: Any) -> None:
        super().__init__(message)
        self.status = status
        self.challenge = challenge
        self.body = body


def token_url_for(issuer: str) -> str:
    """Auth0's token endpoint: {issuer}oauth/token (the issuer ends with a slash)."""
    return issuer.rstrip("/") + "/oauth/token"


def issuer_for_auth0_domain(domain: str) -> str:
    """`YOUR_TENANT.auth0.com` (or a custom domain) to the issuer Auth0 puts in `iss`."""
    domain = domain.strip().removeprefix("https://").rstrip("/")
    return f"https://{domain}/"


def parse_bearer_challenge(header: str | None) -> dict[str, str]:
    """`Bearer error="insufficient_scope", scope="read:messages"` to {"error": ..., "scope": ...}."""
    if not header or not header.lower().startswith("bearer"):
        return {}
    return dict(_CHALLENGE_PARAM.findall(header))


@dataclass(frozen=True)
class ClientCredentials:
    """What the client-credentials grant sends (RFC 6749 section 4.4)."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    audience: str | None = None
    scope: str | None = None

    def __post_init__(self) -> None:
        missing = [name for name in ("token_url", "client_id", "client_secret") if not getattr(self, name)]
        if missing:
            raise ConfigurationError(f"missing setting(s): {', '.join(missing)}")
        if not self.token_url.startswith(("https://", "http://")):
            raise ConfigurationError(f"the token URL must be an http(s) URL, not {self.token_url!r}")

    def form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}
        if self.audience:
            form["audience"] = self.audience
        if self.scope is not None:
            form["scope"] = self.scope
        return form


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # on the provider's clock
    scope: str | None = None


class TokenProvider:
    """Hands out one cached access token, renewed shortly before it expires. Thread-safe."""

    def __init__(
        self,
        credentials: ClientCredentials,
        session: requests.Session | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        early_renewal: float = DEFAULT_EARLY_RENEWAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self.session = session or requests.Session()
        self.timeout = timeout
        self.early_renewal = early_renewal
        self._clock = clock
        self._lock = threading.Lock()
        self._token: AccessToken | None = None

    def token(self) -> str:
        """The cached token, or a new one when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._token.expires_at:
                self._token = self._request_token()
            return self._token.value

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given), e.g. after the API refused it."""
        with self._lock:
            if token is None or (self._token is not None and self._token.value == token):
                self._token = None

    def _request_token(self) -> AccessToken:
        url = self.credentials.token_url
        requested_at = self._clock()
        try:
            response = self.session.post(url, data=self.credentials.form(), timeout=self.timeout)
        except requests.RequestException as error:
            raise IssuerUnreachableError(
                f"cannot reach the token endpoint {url}: {error.__class__.__name__}. "
                "Check the issuer/domain setting and the network."
            ) from error
        body = _json_or_none(response)
        if response.status_code != 200:
            raise _token_error(url, self.credentials.client_id, response.status_code, body)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise TokenRequestError(
                f"{url} answered 200 without an access_token: is this the token endpoint?", 200, "", ""
            )
        lifetime = _number(body.get("expires_in"), default=0.0)
        # Renew early, but never so early that a short-lived token is requested on every call.
        margin = min(self.early_renewal, lifetime / 2)
        return AccessToken(body["access_token"], requested_at + lifetime - margin, body.get("scope"))


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _token_error(url: str, client_id: str, status: int, body: Any) -> TokenRequestError:
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    description = str(body.get("error_description", "")) if isinstance(body, dict) else ""
    detail = f"{error}: {description}" if description else error or "no OAuth error in the body"
    if status == 401 or error == "invalid_client":
        return InvalidClientError(
            f"the issuer rejected client {client_id!r} ({status} {detail}): check CLIENT_ID and CLIENT_SECRET",
            status,
            error,
            description,
        )
    if error == "access_denied":
        hint = "check AUDIENCE (the API identifier) and that this application is authorized for that API"
    elif error in ("invalid_scope", "unauthorized_client"):
        hint = "check the scopes granted to this application for the API"
    elif status == 404:
        hint = "check the issuer or token URL"
    else:
        hint = "see the issuer's answer above"
    return TokenRequestError(f"token request to {url} failed ({status} {detail}): {hint}", status, error, description)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any


class ApiClient:
    """Calls the API with the provider's token; one retry with a fresh token if the API says 401."""

    def __init__(self, api_url: str, tokens: TokenProvider, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not api_url.startswith(("https://", "http://")):
            raise ConfigurationError(f"the API URL must be an http(s) URL, not {api_url!r}")
        self.api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.timeout = timeout

    def get(self, path: str) -> ApiResponse:
        """GET `path` (e.g. /api/private); raises ApiError on 401/403, M2MClientError if unreachable."""
        token = self.tokens.token()
        response = self._get(path, token)
        if response.status_code == 401:
            # The token may have been revoked or its signing key rotated: try once with a fresh one.
            self.tokens.invalidate(token)
            response = self._get(path, self.tokens.token())
        body = _json_or_none(response)
        if response.status_code in (401, 403):
            challenge = parse_bearer_challenge(response.headers.get("WWW-Authenticate"))
            message = _api_error_message(path, response.status_code, challenge, body)
            raise ApiError(message, response.status_code, challenge, body)
        return ApiResponse(response.status_code, body if body is not None else response.text)

    def _get(self, path: str, token: str) -> requests.Response:
        url = self.api_url + "/" + path.lstrip("/")
        try:
            return self.tokens.session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout)
        except requests.RequestException as error:
            raise M2MClientError(f"cannot reach the API at {url}: {error.__class__.__name__}") from error


def _api_error_message(path: str, status: int, challenge: dict[str, str], body: Any) -> str:
    error = challenge.get("error", "")
    parts = [f"GET {path} answered {status}"]
    if error:
        parts.append(f"WWW-Authenticate error={error}")
    if challenge.get("error_description"):
        parts.append(challenge["error_description"])
    if challenge.get("scope"):
        parts.append(f"required scope: {challenge['scope']}")
    if not error and isinstance(body, dict) and body.get("message"):
        parts.append(str(body["message"]))
    if status == 401:
        parts.append("the API did not accept the token: check ISSUER/TokenIssuer and AUDIENCE/Audience")
    elif error == "insufficient_scope" or status == 403:
        parts.append("the token lacks a permission: grant it to this application for the API")
    return "; ".join(parts)
