"""Regressions for what an adversarial review found after the first round of tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from jwt_authorizer.jwks import JwksFetchError, fetch_json, signing_keys
from tests.authorizer.conftest import JWKS_PATH, Keys
from tests.authorizer.harness import UNAUTHORIZED, Authorizer, unique
from tests.support.keys import ISSUER, SigningKey, jwks

pytestmark = pytest.mark.integration


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port on 127.0.0.1 whose connections never complete: its accept queue is full and nobody accepts."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the accept queue; later connects hang in SYN_SENT
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


def test_the_fetch_deadline_holds_when_the_issuer_host_has_several_dead_addresses(
    black_hole: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an issuer host name that resolves to four addresses, none of which answers
    # (name resolution is the one thing replaced: a real multi-address host is not reachable here)
    real_getaddrinfo = socket.getaddrinfo

    def four_dead_addresses(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "issuer.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", black_hole))] * 4
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", four_dead_addresses)

    # When the JWKS is fetched with a 1 s budget
    started = time.monotonic()
    with pytest.raises(JwksFetchError, match="in time"):
        fetch_json(f"http://issuer.test:{black_hole}/jwks", started + 1.0)

    # Then the caller waits about the budget, not 1 s per address (4 s; generous bound: shared machine)
    assert time.monotonic() - started < 3.0


def test_the_caller_gets_its_answer_at_the_deadline_whatever_the_resolver_does(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real_getaddrinfo = socket.getaddrinfo

    def stuck_resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "slow-dns.test":
            release.wait(10)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stuck_resolver)
    try:
        started = time.monotonic()
        with pytest.raises(JwksFetchError, match="in time"):
            fetch_json("http://slow-dns.test/jwks", started + 0.5)
        assert time.monotonic() - started < 3.0
    finally:
        release.set()


@pytest.fixture
def redirector() -> Iterator[Callable[[str], str]]:
    """A server on 127.0.0.1 that answers every request with a redirect to the Location it is given."""
    location = {"value": "/"}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", location["value"])
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def redirect_to(target: str) -> str:
        location["value"] = target
        return f"http://127.0.0.1:{server.server_address[1]}/jwks"

    yield redirect_to
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:99999/x",
        "http://127.0.0.1:abc/x",
        "http://[::1/x",
        "/\u00e9t\u00e9",
        "http://" + "a" * 70 + ".test/",
    ],
    ids=["port-out-of-range", "port-not-a-number", "broken-ipv6", "non-ascii-path", "label-too-long"],
)
def test_a_malformed_redirect_is_a_fetch_failure_not_a_crash(location: str, redirector: Callable[[str], str]) -> None:
    with pytest.raises(JwksFetchError):
        fetch_json(redirector(location), time.monotonic() + 3)


def test_held_keys_keep_working_when_a_refresh_is_redirected_somewhere_malformed(
    serve_keys: Callable[..., Authorizer], keys: Keys, jwks_server: Any, redirector: Callable[[str], str]
) -> None:
    authorizer = serve_keys(keys.rsa, jwks_max_age_seconds=1, jwks_cooldown_seconds=0.5)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED

    # The JWKS location now redirects to a URL http.client cannot even parse
    authorizer.validator.keys[ISSUER]._configured_uri = redirector("http://127.0.0.1:99999/x")
    time.sleep(1.1)

    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    assert authorizer.messages("JWKS refresh failed")


def test_private_or_odd_jwks_members_disqualify_a_key() -> None:
    rsa = SigningKey.generate("RS256", kid="rsa")
    ec = SigningKey.generate("ES256", kid="ec")
    document = {
        "keys": [
            {**rsa.jwk(), "d": "AQAB"},  # a private RSA key published by mistake
            {**ec.jwk(), "d": "AQAB"},  # likewise for EC
            {**ec.jwk(), "kid": "odd-crv", "crv": ["P-256"]},  # a crv that is not a string
            ec.jwk(kid="good"),
        ]
    }

    assert [jwk["kid"] for jwk in signing_keys(document)] == ["good"]


def test_a_valid_key_behind_a_malformed_one_with_the_same_kid_is_still_used(
    serve_keys: Callable[..., Authorizer], keys: Keys
) -> None:
    broken = {**keys.rsa.jwk(), "n": 12345}  # same kid, a modulus of the wrong type
    authorizer = serve_keys(broken, keys.rsa)

    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED


def test_a_token_verified_while_its_key_was_being_removed_is_not_cached(
    serve_keys: Callable[..., Authorizer], keys: Keys, jwks_server: Any
) -> None:
    # Given a warm authorizer holding the current key
    authorizer = serve_keys(keys.rsa, jwks_cooldown_seconds=0.01)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    store = authorizer.validator.keys[ISSUER]
    original_key_for = store.key_for

    def key_for_then_rotate(kid: str | None, alg: str) -> Any:
        key = original_key_for(kid, alg)
        # ...another request meanwhile finds a new kid: the refetched JWKS no longer lists the old key
        jwks_server.documents[JWKS_PATH] = jwks(keys.rsa_rotated)
        time.sleep(0.02)
        original_key_for(keys.rsa_rotated.kid, alg)
        return key

    store.key_for = key_for_then_rotate
    victim = unique(keys.rsa)

    # When a token of the old key is verified across that refresh
    first = authorizer.bearer(victim)
    store.key_for = original_key_for

    # Then it passed (its key was good when checked) but is not remembered: next time it is checked again
    assert first is not UNAUTHORIZED
    assert authorizer.bearer(victim) is UNAUTHORIZED
    assert authorizer.last_reason() == "unknown_kid"


def test_an_exp_no_float_can_hold_is_an_invalid_claim(serve_keys: Callable[..., Authorizer], keys: Keys) -> None:
    authorizer = serve_keys(keys.rsa)

    assert authorizer.bearer(unique(keys.rsa, exp=10**400)) is UNAUTHORIZED
    assert authorizer.last_reason() == "invalid_claim"


def test_a_configured_issuer_missing_auth0s_trailing_slash_is_explained_with_discovery_too(
    jwks_server: Any, keys: Keys, make_authorizer: Callable[..., Authorizer]
) -> None:
    # Given the issuer's discovery document names itself with the trailing slash (as Auth0 does),
    # and TOKEN_ISSUER without it and no JWKS_URI (the default: discovery)
    issuer = jwks_server.base_url + "/"
    jwks_server.serve_issuer(issuer, jwks(keys.rsa))
    authorizer = make_authorizer(token_issuer=issuer.rstrip("/"), audience="https://api.example.com")

    # When one of its tokens arrives
    answer = authorizer.bearer(unique(keys.rsa, iss=issuer))

    # Then it is refused as the wrong issuer, in plain words, not as a JWKS outage
    assert answer is UNAUTHORIZED
    assert authorizer.last_reason() == "wrong_issuer"
    assert "trailing slash" in authorizer.denials()[-1]["hint"]
    assert authorizer.messages("only by a trailing slash")
