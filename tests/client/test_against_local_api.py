"""The client against the local runner (`python -m local_api`) and its embedded development issuer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from client import (
    ApiClient,
    ApiError,
    ClientCredentials,
    InvalidClientError,
    TokenProvider,
    TokenRequestError,
    token_url_for,
)
from tests.client.token_server import CLIENT_ID as FOREIGN_CLIENT_ID
from tests.client.token_server import CLIENT_SECRET as FOREIGN_CLIENT_SECRET
from tests.client.token_server import running_token_server
from tests.support.local_api import ROOT, LocalApi, running_local_api

pytestmark = pytest.mark.integration

DEV_CLIENT_ID = "local-client"
DEV_CLIENT_SECRET = "local-secret"
DEV_AUDIENCE = "https://protected-api.localhost"
ROUTES = ("/api/public", "/api/private", "/api/private-scoped")


@pytest.fixture(scope="module")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    with running_local_api(tmp_path_factory.mktemp("local_api")) as api:
        yield api


def issuer_of(api: LocalApi) -> str:
    return f"http://localhost:{api.port}/"


class CountingSession(requests.Session):
    """A requests session that counts the token requests it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.token_requests = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if str(url).endswith("/oauth/token"):
            self.token_requests += 1
        return super().request(method, url, *args, **kwargs)


def client_for(
    api: LocalApi, *, secret: str = DEV_CLIENT_SECRET, audience: str = DEV_AUDIENCE, scope: str | None = None
) -> ApiClient:
    credentials = ClientCredentials(token_url_for(issuer_of(api)), DEV_CLIENT_ID, secret, audience, scope)
    return ApiClient(api.base_url, TokenProvider(credentials, CountingSession()))


def token_requests(client: ApiClient) -> int:
    session = client.tokens.session
    assert isinstance(session, CountingSession)
    return session.token_requests


def test_every_route_answers_200_and_one_token_serves_every_call(local_api: LocalApi) -> None:
    client = client_for(local_api)

    statuses = [client.get(route).status for _ in range(3) for route in ROUTES]

    assert statuses == [200] * 9
    assert token_requests(client) == 1


def test_a_token_without_the_scope_gets_403_insufficient_scope(local_api: LocalApi) -> None:
    client = client_for(local_api, scope="")

    assert client.get("/api/private").status == 200
    with pytest.raises(ApiError) as raised:
        client.get("/api/private-scoped")

    assert raised.value.status == 403
    assert raised.value.challenge == {"error": "insufficient_scope", "scope": "read:messages"}
    assert "read:messages" in str(raised.value)
    assert token_requests(client) == 1


def test_a_wrong_secret_is_invalid_client(local_api: LocalApi) -> None:
    with pytest.raises(InvalidClientError, match="check CLIENT_ID and CLIENT_SECRET"):
        client_for(local_api, secret="not-the-secret").get("/api/private")


def test_an_unknown_audience_is_refused_by_the_issuer(local_api: LocalApi) -> None:
    with pytest.raises(TokenRequestError, match="AUDIENCE") as raised:
        client_for(local_api, audience="https://not-this-api.example.com").get("/api/private")
    assert raised.value.error == "access_denied"


def test_a_token_the_api_does_not_trust_gets_401_after_one_retry_with_a_fresh_token(local_api: LocalApi) -> None:
    with running_token_server() as foreign_issuer:
        credentials = ClientCredentials(foreign_issuer.token_url, FOREIGN_CLIENT_ID, FOREIGN_CLIENT_SECRET)
        client = ApiClient(local_api.base_url, TokenProvider(credentials))

        with pytest.raises(ApiError) as raised:
            client.get("/api/private")

        assert raised.value.status == 401
        assert raised.value.challenge["error"] == "invalid_token"
        assert foreign_issuer.count == 2


def run_cli(api: LocalApi, *args: str, secret: str = DEV_CLIENT_SECRET) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "ISSUER": issuer_of(api),
        "CLIENT_ID": DEV_CLIENT_ID,
        "CLIENT_SECRET": secret,
        "AUDIENCE": DEV_AUDIENCE,
        "API_URL": api.base_url,
    }
    return subprocess.run(  # noqa: S603 - the client's own CLI with the test's interpreter
        [sys.executable, "-m", "client", *args],
        cwd=Path(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_calls_the_three_routes(local_api: LocalApi) -> None:
    result = run_cli(local_api)

    assert result.returncode == 0, result.stderr
    assert [line.split(" -> ")[0] for line in result.stdout.splitlines()] == [f"GET {r}" for r in ROUTES]
    assert all(" -> 200 " in line for line in result.stdout.splitlines())


def test_the_cli_reports_a_refused_scope_with_exit_status_1(local_api: LocalApi) -> None:
    result = run_cli(local_api, "--scope", "", "/api/private-scoped")

    assert result.returncode == 1
    assert "403" in result.stderr and "insufficient_scope" in result.stderr


def test_the_cli_reports_a_wrong_secret_with_exit_status_2(local_api: LocalApi) -> None:
    result = run_cli(local_api, secret="not-the-secret")

    assert result.returncode == 2
    assert "invalid_client" in result.stderr
    assert "not-the-secret" not in result.stderr
