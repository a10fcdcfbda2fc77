"""The verified-token cache: a reused token skips the signature check, but never outlives its welcome."""

from __future__ import annotations

import pytest

from jwt_authorizer.token_cache import VerifiedTokenCache, token_digest


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_verified_token_is_answered_from_the_cache(clock: Clock) -> None:
    cache: VerifiedTokenCache[str] = VerifiedTokenCache(max_entries=8, max_age=300, clock=clock)
    cache.put(token_digest("token-a"), "verified-a", expires_at=clock.now + 3600, generation=1)

    assert cache.get(token_digest("token-a"), generation=1) == "verified-a"
    assert cache.get(token_digest("token-b"), generation=1) is None


def test_an_entry_never_outlives_the_token_exp(clock: Clock) -> None:
    cache: VerifiedTokenCache[str] = VerifiedTokenCache(max_entries=8, max_age=300, clock=clock)
    cache.put(token_digest("token"), "verified", expires_at=clock.now + 10, generation=1)

    clock.now += 10

    assert cache.get(token_digest("token"), generation=1) is None


def test_an_entry_never_outlives_the_maximum_age(clock: Clock) -> None:
    cache: VerifiedTokenCache[str] = VerifiedTokenCache(max_entries=8, max_age=300, clock=clock)
    cache.put(token_digest("token"), "verified", expires_at=clock.now + 3600, generation=1)

    clock.now += 299
    assert cache.get(token_digest("token"), generation=1) == "verified"
    clock.now += 1
    assert cache.get(token_digest("token"), generation=1) is None


def test_new_keys_empty_the_cache(clock: Clock) -> None:
    cache: VerifiedTokenCache[str] = VerifiedTokenCache(max_entries=8, max_age=300, clock=clock)
    cache.put(token_digest("token"), "verified", expires_at=clock.now + 3600, generation=1)

    assert cache.get(token_digest("token"), generation=2) is None
    assert len(cache) == 0


def test_the_cache_is_bounded_and_forgets_the_oldest_first(clock: Clock) -> None:
    cache: VerifiedTokenCache[int] = VerifiedTokenCache(max_entries=3, max_age=300, clock=clock)
    for number in range(5):
        cache.put(token_digest(f"token-{number}"), number, expires_at=clock.now + 3600, generation=1)

    assert len(cache) == 3
    assert [cache.get(token_digest(f"token-{n}"), generation=1) for n in range(5)] == [None, None, 2, 3, 4]


def test_size_zero_turns_the_cache_off(clock: Clock) -> None:
    cache: VerifiedTokenCache[str] = VerifiedTokenCache(max_entries=0, max_age=300, clock=clock)
    cache.put(token_digest("token"), "verified", expires_at=clock.now + 3600, generation=1)

    assert cache.get(token_digest("token"), generation=1) is None


def test_the_cache_keeps_no_token_text(clock: Clock) -> None:
    cache: VerifiedTokenCache[str] = VerifiedTokenCache(max_entries=8, max_age=300, clock=clock)
    cache.put(token_digest("eyJhbGciOiJSUzI1NiJ9.secret-payload.signature"), "verified", clock.now + 60, generation=1)

    assert all(isinstance(key, bytes) and len(key) == 32 for key in cache._entries)
