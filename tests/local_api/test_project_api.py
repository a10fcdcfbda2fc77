"""The project's own template.yaml, authorizer and handlers, served locally with dev-issuer tokens."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import jwt
import pytest
import requests

from tests.support.local_api import LocalApi, running_local_api

pytestmark = pytest.mark.integration

AUDIENCE = "https://protected-api.localhost"
CLIENT = {"client_id": "local-client", "client_secret": "local-secret", "grant_type": "client_credentials"}
INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope", scope="read:messages"'


def get_token(api: LocalApi, **params: str) -> dict:
    response = requests.post(api.url("/oauth/token"), json={**CLIENT, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_public_route_needs_no_token(project_api: LocalApi, http: requests.Session) -> None:
    response = http.get(project_api.url("/api/public"))

    assert response.status_code == 200
    assert response.json()["message"]


@pytest.mark.parametrize("path", ["/api/private", "/api/private-scoped"])
def test_private_routes_without_a_token_are_401_with_an_rfc6750_challenge(
    path: str, project_api: LocalApi, http: requests.Session
) -> None:
    response = http.get(project_api.url(path))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-jwt",
        "Basic bG9jYWwtY2xpZW50OmxvY2FsLXNlY3JldA==",
        # well formed, signed by nobody this API trusts
        "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    ],
    ids=["not-a-jwt", "basic", "bad-signature"],
)
def test_private_route_with_a_bad_token_is_401(
    authorization: str, project_api: LocalApi, http: requests.Session
) -> None:
    response = http.get(project_api.url("/api/private"), headers={"Authorization": authorization})

    assert response.status_code == 401


def test_private_route_with_a_dev_issuer_token_is_200(project_api: LocalApi, http: requests.Session) -> None:
    token = get_token(project_api)["access_token"]

    response = http.get(project_api.url("/api/private"), headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["message"]


def test_scoped_route_with_the_scope_is_200(project_api: LocalApi, http: requests.Session) -> None:
    token = get_token(project_api)["access_token"]  # no scope asked: every scope the template requires

    response = http.get(project_api.url("/api/private-scoped"), headers=bearer(token))

    assert response.status_code == 200


def test_scoped_route_without_the_scope_is_403_insufficient_scope(
    project_api: LocalApi, http: requests.Session
) -> None:
    token = get_token(project_api, scope="")["access_token"]

    response = http.get(project_api.url("/api/private-scoped"), headers=bearer(token))

    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == INSUFFICIENT_SCOPE
    assert response.json()["error"] == "insufficient_scope"


def test_project_authorizer_allows_every_route_from_the_cache(project_api: LocalApi, http: requests.Session) -> None:
    # The fidelity regression's other half: the project's authorizer Allows the whole stage
    token = get_token(project_api)["access_token"]

    first = http.get(project_api.url("/api/private"), headers=bearer(token))
    second = http.get(project_api.url("/api/private-scoped"), headers=bearer(token))

    assert (first.status_code, second.status_code) == (200, 200)
    lines = [line for line in project_api.stderr().splitlines() if line.startswith("GET /api/private")]
    assert lines[-2].endswith("auth=miss fn=PrivateFunction")
    assert lines[-1].endswith("auth=hit fn=PrivateScopedFunction")


def test_preflight_is_answered_without_a_token(project_api: LocalApi, http: requests.Session) -> None:
    response = http.options(
        project_api.url("/api/private-scoped"),
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"


def test_banner_lists_routes_scopes_and_a_curl_for_a_token(project_api: LocalApi) -> None:
    banner = project_api.stdout()

    assert f"listening on http://127.0.0.1:{project_api.port}" in banner
    scoped = next(line for line in banner.splitlines() if "/api/private-scoped" in line)
    assert "scopes: read:messages" in scoped
    public = next(line for line in banner.splitlines() if "/api/public " in line)
    assert "no token" in public
    assert f"curl -s -X POST http://localhost:{project_api.port}/oauth/token" in banner
    assert '"audience":"https://protected-api.localhost"' in banner


def test_cached_allow_outlives_the_token_until_the_cache_entry_ends(tmp_path: Path) -> None:
    # Given short-lived tokens and an authorizer without clock-skew leeway
    # (5 s: exp is a whole second, so a token may have only 4 s left, and a loaded machine is slow)
    env = {"DEV_TOKEN_TTL": "5", "CLOCK_SKEW_SECONDS": "0", "DEV_CLIENT_ID": "ci", "DEV_CLIENT_SECRET": "ci-secret"}
    form = {"grant_type": "client_credentials", "client_id": "ci", "client_secret": "ci-secret"}
    with running_local_api(tmp_path, env=env) as api:

        def allowed_token() -> str | None:
            token = requests.post(api.url("/oauth/token"), data=form, timeout=30).json()["access_token"]
            response = requests.get(api.url("/api/private"), headers=bearer(token), timeout=30)
            return token if response.status_code == 200 else None

        # A cold authorizer (imports, JWKS discovery) may outlast a short token: retry with a fresh one
        token = next((t for t in (allowed_token() for _ in range(5)) if t), None)
        assert token is not None
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]

        # When the token has expired
        while time.time() < expires + 1.5:
            time.sleep(0.2)

        # Then the cached Allow still answers (as API Gateway does for AuthorizerCacheTtl seconds)...
        cached = requests.get(api.url("/api/private-scoped"), headers=bearer(token), timeout=30)
        # ...while the same token under another cache key ("bearer", lower case) is checked again
        fresh = requests.get(api.url("/api/private"), headers={"Authorization": f"bearer {token}"}, timeout=30)
        assert "local-secret" not in api.stdout()  # a custom secret is never printed either
        assert "ci-secret" not in api.stdout() + api.stderr()

    assert cached.status_code == 200
    assert fresh.status_code == 401


def test_ctrl_c_stops_the_server_cleanly(tmp_path: Path) -> None:
    with running_local_api(tmp_path) as api:
        assert requests.get(api.url("/api/public"), timeout=30).status_code == 200

        api.process.send_signal(signal.SIGINT)

        assert api.process.wait(timeout=30) == 0
        assert "Stopped." in api.stdout()
        assert "Traceback" not in api.stderr()
