"""The embedded development issuer: discovery, JWKS, and the client-credentials token endpoint (RFC 6749)."""

from __future__ import annotations

import base64
from typing import Any

import jwt
import pytest
import requests

from tests.support.local_api import LocalApi

pytestmark = pytest.mark.integration

AUDIENCE = "https://protected-api.localhost"
CLIENT = {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"}


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def decode(api: LocalApi, token: str) -> dict[str, Any]:
    jwks = requests.get(api.url("/.well-known/jwks.json"), timeout=30).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid))
    return jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=f"http://localhost:{api.port}/")


def test_discovery_document_points_at_the_jwks_and_token_endpoint(
    project_api: LocalApi, http: requests.Session
) -> None:
    document = http.get(project_api.url("/.well-known/openid-configuration")).json()

    base = f"http://localhost:{project_api.port}"
    assert document["issuer"] == base + "/"
    assert document["jwks_uri"] == base + "/.well-known/jwks.json"
    assert document["token_endpoint"] == base + "/oauth/token"
    assert document["grant_types_supported"] == ["client_credentials"]


def test_jwks_has_one_rs256_signing_key_with_a_kid(project_api: LocalApi, http: requests.Session) -> None:
    (key,) = http.get(project_api.url("/.well-known/jwks.json")).json()["keys"]

    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert "d" not in key


def test_form_encoded_request_gets_an_auth0_shaped_m2m_token(project_api: LocalApi, http: requests.Session) -> None:
    response = http.post(project_api.url("/oauth/token"), data=CLIENT)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    answer = response.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 3600
    assert answer["scope"] == "read:messages"
    claims = decode(project_api, answer["access_token"])
    assert claims["sub"] == "local-client@clients"
    assert claims["azp"] == "local-client"
    assert claims["gty"] == "client-credentials"
    assert claims["scope"] == "read:messages"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]
    assert jwt.get_unverified_header(answer["access_token"])["typ"] == "JWT"


def test_json_request_and_http_basic_client_authentication_work(project_api: LocalApi, http: requests.Session) -> None:
    as_json = http.post(project_api.url("/oauth/token"), json={**CLIENT, "audience": AUDIENCE})
    as_basic = http.post(
        project_api.url("/oauth/token"),
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic("local-client", "local-secret")},
    )

    assert as_json.status_code == 200
    assert as_basic.status_code == 200


def test_scope_parameter_narrows_the_grant_and_empty_means_none(project_api: LocalApi, http: requests.Session) -> None:
    narrowed = http.post(project_api.url("/oauth/token"), data={**CLIENT, "scope": "read:messages"}).json()
    empty = http.post(project_api.url("/oauth/token"), data={**CLIENT, "scope": ""}).json()

    assert narrowed["scope"] == "read:messages"
    assert empty["scope"] == ""
    assert decode(project_api, empty["access_token"])["scope"] == ""


ERRORS = [
    # name, form or json body, extra headers, expected status, expected error
    ("missing-grant-type", {"client_id": "local-client", "client_secret": "local-secret"}, {}, 400, "invalid_request"),
    ("other-grant-type", {**CLIENT, "grant_type": "password"}, {}, 400, "unsupported_grant_type"),
    ("wrong-secret", {**CLIENT, "client_secret": "nope"}, {}, 401, "invalid_client"),
    ("unknown-client", {**CLIENT, "client_id": "someone"}, {}, 401, "invalid_client"),
    ("no-client", {"grant_type": "client_credentials"}, {}, 401, "invalid_client"),
    (
        "wrong-basic",
        {"grant_type": "client_credentials"},
        {"Authorization": basic("local-client", "x")},
        401,
        "invalid_client",
    ),
    (
        "two-client-auth-methods",
        CLIENT,
        {"Authorization": basic("local-client", "local-secret")},
        400,
        "invalid_request",
    ),
    ("other-audience", {**CLIENT, "audience": "https://other.example"}, {}, 403, "access_denied"),
    ("scope-not-allowed", {**CLIENT, "scope": "read:messages delete:everything"}, {}, 400, "invalid_scope"),
]


@pytest.mark.parametrize(
    ("body", "headers", "status", "error"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_token_endpoint_errors_follow_rfc6749(
    body: dict[str, str],
    headers: dict[str, str],
    status: int,
    error: str,
    project_api: LocalApi,
    http: requests.Session,
) -> None:
    response = http.post(project_api.url("/oauth/token"), data=body, headers=headers)

    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("grant_type=client_credentials", "text/plain"),
        ("grant_type=client_credentials&grant_type=client_credentials", "application/x-www-form-urlencoded"),
    ],
    ids=["malformed-json", "unsupported-content-type", "repeated-parameter"],
)
def test_unreadable_token_requests_are_invalid_request(
    data: str, content_type: str, project_api: LocalApi, http: requests.Session
) -> None:
    response = http.post(project_api.url("/oauth/token"), data=data, headers={"Content-Type": content_type})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_endpoint_only_accepts_post(project_api: LocalApi, http: requests.Session) -> None:
    response = http.get(project_api.url("/oauth/token"))

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_the_secret_and_tokens_never_reach_the_logs(project_api: LocalApi, http: requests.Session) -> None:
    token = http.post(project_api.url("/oauth/token"), data=CLIENT).json()["access_token"]
    http.get(project_api.url("/api/private"), headers={"Authorization": f"Bearer {token}"})

    logs = project_api.stderr() + project_api.stdout()
    assert token not in logs
    assert token.split(".")[2] not in logs
