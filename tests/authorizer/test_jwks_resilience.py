"""The issuer's JWKS endpoint misbehaves for real (tests/support/jwks_server.py); the authorizer stays calm.

Timings are measured with time.monotonic() around one handler call and asserted only against generous
bounds (the configured timeout + 2 s): machines are noisy. `-s` prints the figures.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.authorizer.conftest import JWKS_PATH, AuthorizerFactory, Keys
from tests.authorizer.harness import UNAUTHORIZED, Authorizer, timed, unique
from tests.support.jwks_server import JwksServer, wait_until
from tests.support.keys import AUDIENCE, ISSUER, SigningKey, jwks

pytestmark = pytest.mark.integration

Serve = Callable[..., Authorizer]
SLACK_SECONDS = 2.0


def stranger(key: SigningKey) -> str:
    """A token with a kid nobody published: it makes the authorizer consider a refetch."""
    return key.sign(headers={"kid": f"random-{uuid.uuid4().hex}"})


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Timeouts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["slow", "drip"])
@pytest.mark.parametrize("located_by", ["JWKS_URI", "discovery"])
def test_slow_or_dripping_endpoint_holds_a_cold_request_no_longer_than_the_timeout(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, fault: str, located_by: str
) -> None:
    timeout = 1.0
    if located_by == "JWKS_URI":
        jwks_server.documents[JWKS_PATH] = jwks(keys.rsa)
        authorizer = make_authorizer(
            token_issuer=ISSUER, audience=AUDIENCE, jwks_uri=jwks_server.url(JWKS_PATH), jwks_timeout_seconds=timeout
        )
        token = keys.rsa.sign()
    else:
        issuer = jwks_server.url("/")
        jwks_server.serve_issuer(issuer, jwks(keys.rsa))
        authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE, jwks_timeout_seconds=timeout)
        token = keys.rsa.sign(iss=issuer)
    jwks_server.fault = fault

    answer, waited = timed(lambda: authorizer.bearer(token))

    print(f"\n[figure] cold request, {fault} endpoint via {located_by}, timeout {timeout}s: waited {waited:.2f}s")
    assert answer is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"
    assert waited < timeout + SLACK_SECONDS


def test_drip_faster_than_the_socket_timeout_still_ends_at_the_deadline(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    # One byte a second never trips a 2.5 s per-read timeout: only the whole-exchange deadline can.
    timeout = 2.5
    authorizer = serve_keys(keys.rsa, jwks_timeout_seconds=timeout)
    jwks_server.fault = "drip"

    answer, waited = timed(lambda: authorizer.bearer(keys.rsa.sign()))

    print(f"\n[figure] cold request, drip endpoint (1 byte/s), timeout {timeout}s: waited {waited:.2f}s")
    assert answer is UNAUTHORIZED
    assert waited < timeout + SLACK_SECONDS


@pytest.mark.parametrize("fault", ["slow", "drip"])
def test_slow_refresh_holds_one_request_at_most_the_timeout_and_known_keys_keep_working(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve, fault: str
) -> None:
    timeout = 1.0
    authorizer = serve_keys(keys.rsa, jwks_timeout_seconds=timeout, jwks_cooldown_seconds=0.1)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    jwks_server.fault = fault
    time.sleep(0.15)

    answer, waited = timed(lambda: authorizer.bearer(stranger(keys.rsa)))
    allowed, quick = timed(lambda: authorizer.bearer(unique(keys.rsa)))

    print(f"\n[figure] refresh against a {fault} endpoint, timeout {timeout}s: waited {waited:.2f}s")
    assert answer is UNAUTHORIZED
    assert waited < timeout + SLACK_SECONDS
    assert allowed is not UNAUTHORIZED
    assert quick < SLACK_SECONDS


# --- Unknown-kid flood --------------------------------------------------------------------------------


def test_flood_of_random_kids_refetches_at_most_once_per_default_cooldown(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    authorizer = serve_keys(keys.rsa)  # JWKS_COOLDOWN_SECONDS defaults to 30
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED

    answers = [authorizer.bearer(stranger(keys.rsa)) for _ in range(500)]

    print(f"\n[figure] 500 random kids, default cooldown: {jwks_server.count(JWKS_PATH)} JWKS fetch(es) in all")
    assert all(answer is UNAUTHORIZED for answer in answers)
    assert {denial["reason"] for denial in authorizer.denials()} == {"unknown_kid"}
    assert jwks_server.count(JWKS_PATH) <= 2


def test_flood_of_random_kids_refetches_at_most_once_per_short_cooldown(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    cooldown = 0.2
    authorizer = serve_keys(keys.rsa, jwks_cooldown_seconds=cooldown)
    started = time.monotonic()

    for _ in range(500):
        authorizer.bearer(stranger(keys.rsa))
    elapsed = time.monotonic() - started

    fetches = jwks_server.count(JWKS_PATH)
    print(f"\n[figure] 500 random kids over {elapsed:.2f}s, cooldown {cooldown}s: {fetches} JWKS fetches")
    assert fetches <= elapsed / cooldown + 2


# --- Rotation -------------------------------------------------------------------------------------------


def test_rotated_key_is_accepted_within_the_cooldown_without_restart(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    cooldown = 0.5
    authorizer = serve_keys(keys.rsa, jwks_cooldown_seconds=cooldown)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED

    # The issuer publishes the next key and starts signing with it at once.
    jwks_server.documents[JWKS_PATH] = jwks(keys.rsa, keys.rsa_rotated)
    rotated_at = time.monotonic()
    accepted = wait_until(lambda: authorizer.bearer(unique(keys.rsa_rotated)) is not UNAUTHORIZED, timeout=10)
    delay = time.monotonic() - rotated_at

    print(f"\n[figure] rotated key accepted {delay:.2f}s after it was published (cooldown {cooldown}s)")
    assert accepted
    assert delay < cooldown + SLACK_SECONDS
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED


def test_rotated_key_is_accepted_on_first_sight_once_the_cooldown_has_passed(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    authorizer = serve_keys(keys.rsa, jwks_cooldown_seconds=0.3)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    jwks_server.documents[JWKS_PATH] = jwks(keys.rsa_rotated)
    time.sleep(0.35)

    assert authorizer.bearer(unique(keys.rsa_rotated)) is not UNAUTHORIZED


def test_key_removed_from_the_jwks_stops_verifying_after_a_refresh_even_for_a_cached_token(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    authorizer = serve_keys(keys.rsa, keys.rsa_rotated, jwks_cooldown_seconds=0.05)
    retired = unique(keys.rsa)
    assert authorizer.bearer(retired) is not UNAUTHORIZED
    jwks_server.documents[JWKS_PATH] = jwks(keys.rsa_rotated)
    time.sleep(0.1)

    assert authorizer.bearer(stranger(keys.rsa_rotated)) is UNAUTHORIZED  # triggers the refresh

    assert authorizer.bearer(retired) is UNAUTHORIZED
    assert authorizer.last_reason() == "unknown_kid"


# --- Last-known-good keys ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["500", "not_json", "empty_keys", "reset", "down"])
def test_failed_refresh_keeps_the_keys_held_and_is_logged_once(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve, fault: str
) -> None:
    authorizer = serve_keys(keys.rsa, jwks_cooldown_seconds=0.05, jwks_timeout_seconds=1)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    if fault == "down":
        jwks_server.__exit__(None, None, None)
    else:
        jwks_server.fault = fault

    for _ in range(8):
        time.sleep(0.06)
        assert authorizer.bearer(stranger(keys.rsa)) is UNAUTHORIZED  # each one may refetch: it fails
        assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED

    assert authorizer.validator.keys[ISSUER].fetch_count >= 5
    assert len(authorizer.messages("JWKS refresh failed")) == 1
    if fault != "down":
        jwks_server.fault = None
        time.sleep(0.06)
        jwks_server.documents[JWKS_PATH] = jwks(keys.rsa, keys.rsa_rotated)
        assert authorizer.bearer(unique(keys.rsa_rotated)) is not UNAUTHORIZED
        assert len(authorizer.messages("JWKS refresh recovered")) == 1


def test_keys_past_their_max_age_keep_working_while_the_endpoint_fails(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    authorizer = serve_keys(keys.rsa, jwks_max_age_seconds=1, jwks_cooldown_seconds=0.05)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    jwks_server.fault = "500"
    time.sleep(1.1)

    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    assert jwks_server.count(JWKS_PATH) == 2


# --- Cold start during an outage -------------------------------------------------------------------


def test_cold_start_with_endpoint_down_is_unauthorized_and_recovers_by_itself(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    authorizer = serve_keys(keys.rsa)  # default cooldown: recovery must not wait 30 s
    jwks_server.fault = "reset"
    assert authorizer.bearer(unique(keys.rsa)) is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"

    for _ in range(20):
        assert authorizer.bearer(unique(keys.rsa)) is UNAUTHORIZED
    jwks_server.fault = None
    healed_at = time.monotonic()
    recovered = wait_until(lambda: authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED, timeout=10)

    print(f"\n[figure] cold-start outage: allowed again {time.monotonic() - healed_at:.2f}s after the endpoint healed")
    assert recovered
    assert len(authorizer.messages("JWKS refresh failed")) == 1
    # Retries while no key is held are paced (about one a second), never one per request.
    assert jwks_server.count(JWKS_PATH) <= 2 + (time.monotonic() - healed_at) + 2


def test_cold_start_with_connection_refused_is_a_quick_401(keys: Keys, make_authorizer: AuthorizerFactory) -> None:
    authorizer = make_authorizer(
        token_issuer=ISSUER, audience=AUDIENCE, jwks_uri=f"http://127.0.0.1:{refused_port()}/jwks"
    )

    answer, waited = timed(lambda: authorizer.bearer(keys.rsa.sign()))

    assert answer is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"
    assert waited < 3.0 + SLACK_SECONDS


def test_outage_with_discovery_logs_its_failure_once(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = jwks_server.url("/")
    jwks_server.serve_issuer(issuer, jwks(keys.rsa))
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)
    jwks_server.fault = "500"

    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        assert authorizer.bearer(unique(keys.rsa, iss=issuer)) is UNAUTHORIZED
        time.sleep(0.02)

    warnings = [record for record in authorizer.records() if record["level"] in ("WARNING", "ERROR")]
    assert len(warnings) == 1
    assert len(authorizer.messages("OpenID discovery unavailable")) <= 1


# --- Concurrent requests (the local runner serves requests on threads) ------------------------------


def test_concurrent_unknown_kids_share_one_refetch_bounded_by_the_timeout(
    jwks_server: JwksServer, keys: Keys, serve_keys: Serve
) -> None:
    timeout = 1.0
    cooldown = 0.5  # longer than it takes to start sixteen threads, even on a loaded machine
    authorizer = serve_keys(keys.rsa, jwks_timeout_seconds=timeout, jwks_cooldown_seconds=cooldown)
    assert authorizer.bearer(unique(keys.rsa)) is not UNAUTHORIZED
    tokens = [stranger(keys.rsa) for _ in range(16)]
    jwks_server.fault = "slow"
    time.sleep(cooldown + 0.05)
    waits: list[float] = []

    def one(token: str) -> object:
        answer, waited = timed(lambda: authorizer.bearer(token))
        waits.append(waited)
        return answer

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(one, tokens))

    assert all(answer is UNAUTHORIZED for answer in answers)
    assert jwks_server.count(JWKS_PATH) == 2  # the cold fetch, then one refetch for all sixteen
    assert max(waits) < timeout + SLACK_SECONDS
