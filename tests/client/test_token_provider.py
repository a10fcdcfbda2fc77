"""The token is requested once and reused until shortly before it expires, across threads."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from client import (
    ClientCredentials,
    ConfigurationError,
    InvalidClientError,
    IssuerUnreachableError,
    TokenProvider,
    issuer_for_auth0_domain,
    parse_bearer_challenge,
    token_url_for,
)
from tests.client.token_server import CLIENT_ID, CLIENT_SECRET, TokenServer, running_token_server


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    with running_token_server(expires_in=3600) as server:
        yield server


def provider_for(server: TokenServer, clock: FakeClock | None = None, secret: str = CLIENT_SECRET) -> TokenProvider:
    credentials = ClientCredentials(server.token_url, CLIENT_ID, secret, audience="https://api.example.com")
    return TokenProvider(credentials, clock=clock or FakeClock(), early_renewal=60)


@pytest.mark.integration
def test_a_token_is_requested_once_and_reused(token_server: TokenServer) -> None:
    provider = provider_for(token_server)

    tokens = {provider.token() for _ in range(5)}

    assert len(tokens) == 1
    assert token_server.count == 1
    assert token_server.requests[0] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "audience": "https://api.example.com",
    }


@pytest.mark.integration
def test_a_token_is_renewed_shortly_before_it_expires(token_server: TokenServer) -> None:
    clock = FakeClock()
    provider = provider_for(token_server, clock)
    first = provider.token()

    clock.now += 3600 - 60 - 1
    assert provider.token() == first
    assert token_server.count == 1

    clock.now += 1
    assert provider.token() != first
    assert token_server.count == 2


@pytest.mark.integration
def test_a_short_lived_token_is_still_reused_for_half_its_life() -> None:
    with running_token_server(expires_in=10) as server:
        clock = FakeClock()
        provider = provider_for(server, clock)
        provider.token()
        clock.now += 4
        provider.token()
        assert server.count == 1
        clock.now += 1
        provider.token()
        assert server.count == 2


@pytest.mark.integration
def test_concurrent_callers_share_one_token_request(token_server: TokenServer) -> None:
    provider = provider_for(token_server)
    start = threading.Barrier(16)
    results: list[str] = []

    def call() -> None:
        start.wait()
        results.append(provider.token())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 16 and len(set(results)) == 1
    assert token_server.count == 1


@pytest.mark.integration
def test_invalidate_makes_the_next_call_request_a_new_token(token_server: TokenServer) -> None:
    provider = provider_for(token_server)
    first = provider.token()

    provider.invalidate("some other token")
    assert provider.token() == first
    provider.invalidate(first)
    assert provider.token() != first
    assert token_server.count == 2


@pytest.mark.integration
def test_a_wrong_secret_is_a_clear_invalid_client_error(token_server: TokenServer) -> None:
    provider = provider_for(token_server, secret="wrong")

    with pytest.raises(InvalidClientError) as raised:
        provider.token()

    assert raised.value.status == 401
    assert raised.value.error == "invalid_client"
    assert "CLIENT_SECRET" in str(raised.value)
    assert "wrong" not in str(raised.value)  # the secret itself is never echoed


def test_an_unreachable_issuer_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    credentials = ClientCredentials(f"http://127.0.0.1:{closed_port}/oauth/token", CLIENT_ID, CLIENT_SECRET)

    with pytest.raises(IssuerUnreachableError, match="cannot reach the token endpoint"):
        TokenProvider(credentials, timeout=5).token()


@pytest.mark.parametrize("missing", ["token_url", "client_id", "client_secret"])
def test_missing_settings_are_named(missing: str) -> None:
    settings = {"token_url": "https://tenant.example.com/oauth/token", "client_id": "id", "client_secret": "secret"}
    settings[missing] = ""
    with pytest.raises(ConfigurationError, match=missing):
        ClientCredentials(**settings)


def test_the_secret_is_not_in_the_credentials_repr() -> None:
    assert "s3cr3t" not in repr(ClientCredentials("https://tenant.example.com/oauth/token", "id", "s3cr3t"))


@pytest.mark.parametrize(
    ("issuer", "token_url"),
    [
        ("https://YOUR_TENANT.auth0.com/", "https://YOUR_TENANT.auth0.com/oauth/token"),
        ("http://localhost:3010/", "http://localhost:3010/oauth/token"),
        ("https://login.example.com", "https://login.example.com/oauth/token"),
    ],
)
def test_the_token_url_is_under_the_issuer(issuer: str, token_url: str) -> None:
    assert token_url_for(issuer) == token_url


def test_an_auth0_domain_becomes_its_issuer() -> None:
    assert issuer_for_auth0_domain("YOUR_TENANT.eu.auth0.com") == "https://YOUR_TENANT.eu.auth0.com/"
    assert issuer_for_auth0_domain("https://login.example.com/") == "https://login.example.com/"


def test_the_bearer_challenge_is_parsed() -> None:
    header = 'Bearer error="insufficient_scope", scope="read:messages"'
    assert parse_bearer_challenge(header) == {"error": "insufficient_scope", "scope": "read:messages"}
    assert parse_bearer_challenge('Basic realm="x"') == {}
    assert parse_bearer_challenge(None) == {}
